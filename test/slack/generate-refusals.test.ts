import { sql } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { OPERATOR } from '../../src/shared/actor.ts';
import { ASK_AN_ADMIN } from '../../src/slack/error-text.ts';
import { ACTION, BLOCK } from '../../src/slack/ids.ts';
import { CHANNEL_ID, type Harness, startHarness } from '../support/app-harness.ts';
import {
  ADMIN,
  addPeople,
  MEMBER,
  OTHER_ADMIN,
  OWNER,
  openModal,
  settle,
  submitModal,
  successfulEphemerals,
} from './generate-support.ts';

const auditActions = async (h: Harness) =>
  (await h.services.audit.list(OPERATOR, { limit: 50 })).map((e) => ({
    action: e.action,
    attempted: (e.details as { attempted?: string }).attempted,
  }));

const tokenCount = async (h: Harness) =>
  (await h.services.tokens.list(OPERATOR, { limit: 10, offset: 0 })).total;

describe('who may generate', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
    await addPeople(h);
  });
  afterEach(async () => h.close());

  /** The one views.update of the opened modal, checked to be a refusal with nothing to submit. */
  const refusalOfOpenedModal = async () => {
    const opened = await h.waitFor(() => h.fake.callsTo('views.open')[0]);
    expect(opened.error).toBeUndefined();
    const update = await h.waitFor(() => h.fake.callsTo('views.update')[0]);
    expect(update.error).toBeUndefined();
    expect(h.fake.calls.indexOf(opened)).toBeLessThan(h.fake.calls.indexOf(update));
    const view = h.fake.viewById(String(update.args.view_id));
    expect(view?.submit).toBeNull();
    expect(JSON.stringify(view?.blocks)).toContain(ASK_AN_ADMIN);
    return view;
  };

  test('a member running generate sees the opened modal turn into "ask an admin", and the refusal is audited', async () => {
    await h.command(`generate <@${OWNER}>`, { userId: MEMBER });
    await refusalOfOpenedModal();
    await settle();
    expect(h.fake.callsTo('response_url')).toEqual([]);
    expect(h.fake.callsTo('views.update')).toHaveLength(1);
    expect(await auditActions(h)).toContainEqual({ action: 'auth.refused', attempted: 'tokens.generate' });
    // Nobody was looked up or provisioned for the owner the member named.
    expect(h.fake.callsTo('users.info').map((c) => c.args.user)).not.toContain(OWNER);
  });

  test('a member whose modal could not open is told to ask an admin in an ephemeral instead', async () => {
    h.fake.failNext('views.open', { error: 'expired_trigger_id' });
    const { responseUrl } = await h.command('generate', { userId: MEMBER });
    const reply = await h.waitFor(() => h.fake.callsTo('response_url').find((c) => c.url === responseUrl));
    expect(reply.args).toMatchObject({ response_type: 'ephemeral', text: ASK_AN_ADMIN });
  });

  test('the modal opens before the database answers: a locked users table does not hold it back', async () => {
    let released = 0;
    const lock = h.handle.db.transaction(async (tx) => {
      await tx.execute(sql`LOCK TABLE users IN ACCESS EXCLUSIVE MODE`);
      await h.command('generate', { userId: ADMIN });
      await h.waitFor(() => h.fake.callsTo('views.open')[0], 2500);
      released = Date.now();
    });
    await lock;
    const opened = h.fake.callsTo('views.open')[0];
    expect(opened?.error).toBeUndefined();
    expect(opened?.at).toBeLessThanOrEqual(released);
    await settle();
    // The admin check ran afterwards and passed: the modal was left as it was.
    expect(h.fake.callsTo('views.update')).toEqual([]);
  });

  test('the modal opens before a slow users.info for a first-time sender', async () => {
    await h.person({ id: 'U0NEWADMIN', email: 'new-admin@example.com' }, 'admin');
    h.fake.failNext('users.info', { delayMs: 1500 });
    await h.command('generate', { userId: 'U0NEWADMIN' });
    const opened = await h.waitFor(() => h.fake.callsTo('views.open')[0]);
    const lookup = h.fake.callsTo('users.info').find((c) => c.args.user === 'U0NEWADMIN');
    expect(lookup).toBeDefined();
    expect(h.fake.calls.indexOf(opened)).toBeLessThan(h.fake.calls.indexOf(lookup!));
    expect(opened.error).toBeUndefined();
  });

  test('an admin demoted while the modal was open is refused on submit and no token is created', async () => {
    await h.person({ id: OTHER_ADMIN, email: 'second@example.com' }, 'admin');
    const modal = await openModal(h);
    const admin = await h.services.users.getUserByEmail('admin@example.com');
    await h.services.users.revokeAdmin(OPERATOR, admin.id);

    const res = await submitModal(h, modal);
    expect(res.status).toBe(200);
    const notice = await h.waitFor(() => successfulEphemerals(h)[0]);
    expect(notice.args).toMatchObject({ channel: CHANNEL_ID, user: ADMIN, text: ASK_AN_ADMIN });
    await settle();
    expect(await tokenCount(h)).toBe(0);
    expect(JSON.stringify(h.fake.calls)).not.toMatch(/tdk_/);
    expect(await auditActions(h)).toContainEqual({ action: 'auth.refused', attempted: 'tokens.generate' });
    // The owner was never provisioned on behalf of someone who is no longer an admin.
    await expect(h.services.users.getUserByEmail('olive@example.com')).rejects.toThrow();
  });

  test('a member submitting a forged generate view is refused and nothing is created', async () => {
    const modal = await openModal(h);
    await submitModal(h, modal, {}, MEMBER);
    const notice = await h.waitFor(() => successfulEphemerals(h)[0]);
    expect(notice.args).toMatchObject({ user: MEMBER, text: ASK_AN_ADMIN });
    await settle();
    expect(await tokenCount(h)).toBe(0);
  });

  test('a forged submission naming a bot learns nothing about it: the member gets the refusal, not owner errors', async () => {
    h.fake.addUser({ id: 'U0BOTUSER1', teamId: h.fake.teamId, isBot: true, email: 'bot@example.com' });
    const modal = await openModal(h);
    const res = await submitModal(h, modal, { owner: 'U0BOTUSER1' }, MEMBER);
    expect(res.status).toBe(200);
    expect(res.json).toBeUndefined();
    const notice = await h.waitFor(() => successfulEphemerals(h)[0]);
    expect(notice.args).toMatchObject({ user: MEMBER, text: ASK_AN_ADMIN });
    expect(h.fake.callsTo('users.info').map((c) => c.args.user)).not.toContain('U0BOTUSER1');
    expect(await auditActions(h)).toContainEqual({ action: 'auth.refused', attempted: 'tokens.generate' });
  });

  test('a submission whose checks outlast Slack\u2019s patience is answered inside the modal in time, saying nothing about the owner', async () => {
    const modal = await openModal(h);
    const started = Date.now();
    const lock = h.handle.db.transaction(async (tx) => {
      await tx.execute(sql`LOCK TABLE users IN ACCESS EXCLUSIVE MODE`);
      const res = await submitModal(h, modal, {});
      return { res, elapsed: Date.now() - started };
    });
    const { res, elapsed } = await lock;
    expect(elapsed).toBeLessThan(2800);
    expect(res.json).toMatchObject({
      response_action: 'errors',
      errors: { [BLOCK.owner]: expect.stringMatching(/could not look this person up/) },
    });
    await settle();
    expect(await tokenCount(h)).toBe(0);
  });

  test('when Slack refuses to open the modal the admin is asked to run the command again', async () => {
    h.fake.failNext('views.open', { error: 'expired_trigger_id' });
    const { responseUrl } = await h.command('generate', { userId: ADMIN });
    const reply = await h.waitFor(() => h.fake.callsTo('response_url').find((c) => c.url === responseUrl));
    expect(reply.args.response_type).toBe('ephemeral');
    expect(String(reply.args.text)).toContain('run `/apitoken generate` again');
    expect(h.fake.callsTo('views.open')[0]?.error).toBe('expired_trigger_id');
    expect(
      h.logs.some((l) => l.includes('could not open the generate modal') && l.includes('expired_trigger_id')),
    ).toBe(true);
  });

  test('a member pressing a Generate button on their App Home sees the opened modal turn into the refusal, audited', async () => {
    const res = await h.action({
      userId: MEMBER,
      actionId: ACTION.openGenerate,
      value: '',
      view: { id: 'VHOME00001', type: 'home' },
    });
    expect(res.status).toBe(200);
    await refusalOfOpenedModal();
    await settle();
    expect(successfulEphemerals(h)).toEqual([]);
    expect(await auditActions(h)).toContainEqual({ action: 'auth.refused', attempted: 'tokens.generate' });
  });
});
