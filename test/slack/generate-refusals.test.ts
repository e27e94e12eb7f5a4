import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { OPERATOR } from '../../src/shared/actor.ts';
import { ASK_AN_ADMIN } from '../../src/slack/error-text.ts';
import { ACTION } from '../../src/slack/ids.ts';
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

  test('a member running generate is told to ask an admin, no modal opens, and the refusal is audited', async () => {
    const { responseUrl } = await h.command(`generate <@${OWNER}>`, { userId: MEMBER });
    const reply = await h.waitFor(() => h.fake.callsTo('response_url').find((c) => c.url === responseUrl));
    expect(reply.args).toMatchObject({ response_type: 'ephemeral', text: ASK_AN_ADMIN });
    expect(h.fake.callsTo('views.open')).toHaveLength(0);
    expect(await auditActions(h)).toContainEqual({ action: 'auth.refused', attempted: 'tokens.generate' });
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

  test('a member pressing a Generate button on their App Home is refused in their DM and audited', async () => {
    const res = await h.action({
      userId: MEMBER,
      actionId: ACTION.openGenerate,
      value: '',
      view: { id: 'VHOME00001', type: 'home' },
    });
    expect(res.status).toBe(200);
    const notice = await h.waitFor(() => successfulEphemerals(h)[0]);
    expect(notice.args).toMatchObject({
      channel: h.fake.dmChannelOf(MEMBER),
      user: MEMBER,
      text: ASK_AN_ADMIN,
    });
    expect(h.fake.callsTo('views.open')).toHaveLength(0);
    expect(await auditActions(h)).toContainEqual({ action: 'auth.refused', attempted: 'tokens.generate' });
  });
});
