import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { OPERATOR } from '../../src/shared/actor.ts';
import { ACTION, BLOCK } from '../../src/slack/ids.ts';
import { decodeGenerateMetadata } from '../../src/slack/views/generate-modal.ts';
import { CHANNEL_ID, type Harness, startHarness } from '../support/app-harness.ts';
import { validateBlockKit } from '../support/slack-fake.ts';
import {
  ADMIN,
  addPeople,
  deliveredToken,
  linkOwner,
  OWNER,
  occurrences,
  openModal,
  settle,
  submitModal,
} from './generate-support.ts';

type Json = Record<string, unknown>;
const ownerBlock = (view: Json) =>
  (view.blocks as Json[]).find((b) => b.block_id === BLOCK.owner) as { element: Json };

describe('generating a token from Slack', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
    await addPeople(h);
  });
  afterEach(async () => h.close());

  test('generate opens the modal, the submission delivers one ephemeral token that verifies, and Done deletes it', async () => {
    const modal = await openModal(h, 'generate');
    expect(decodeGenerateMetadata(modal.privateMetadata)).toEqual({ kind: 'channel', channelId: CHANNEL_ID });

    const res = await submitModal(h, modal, { name: 'CI deploys', preset: '30' });
    expect(res.status).toBe(200);
    expect(res.json).toBeUndefined();

    const { token, call } = await deliveredToken(h);
    expect(call.args).toMatchObject({ channel: CHANNEL_ID, user: ADMIN });
    expect(String(call.args.text)).not.toContain(token);
    expect(validateBlockKit('message', call.args)).toEqual([]);

    const verified = await h.services.tokens.verify(token);
    expect(verified.ok).toBe(true);
    if (!verified.ok) return;
    expect(verified.user.email).toBe('olive@example.com');
    expect(verified.token.name).toBe('CI deploys');
    expect(verified.token.expiresAt.getTime() - h.clock.now().getTime()).toBe(30 * 86_400_000);

    const responseUrl = h.fake.responseUrl();
    const done = await h.action({
      userId: ADMIN,
      actionId: ACTION.dismissToken,
      value: verified.token.id,
      responseUrl,
      channelId: CHANNEL_ID,
    });
    expect(done.status).toBe(200);
    const deleted = await h.waitFor(() => h.fake.callsTo('response_url').find((c) => c.url === responseUrl));
    expect(deleted.args).toEqual({ delete_original: true });
    expect(deleted.error).toBeUndefined();
  });

  test('the token appears in exactly one Slack call, the ephemeral, and in no log line', async () => {
    const modal = await openModal(h, `generate <@${OWNER}|olive>`);
    await submitModal(h, modal, { name: 'secret check' });
    const { token, call } = await deliveredToken(h);
    await h.action({
      userId: ADMIN,
      actionId: ACTION.dismissToken,
      value: 'x',
      responseUrl: h.fake.responseUrl(),
    });
    await h.waitFor(() => h.fake.callsTo('response_url').length > 0);
    await settle();

    expect(occurrences(h.fake.allCallsText(), token)).toBe(1);
    expect(call.method).toBe('chat.postEphemeral');
    const elsewhere = h.fake.calls.filter(
      (c) =>
        c !== call &&
        (c.method === 'chat.postMessage' || c.method.startsWith('views.') || c.method === 'response_url'),
    );
    for (const other of elsewhere) expect(JSON.stringify(other.args)).not.toContain(token);
    expect(h.logs.length).toBeGreaterThan(0);
    // Not vacuous: web-api logged the ephemeral's request body at debug, through Bolt's logger
    // (LOG_LEVEL reaches Bolt), and the scrubber took the token out of it.
    const publicId = token.slice(4, 16);
    const ephemeralBodies = h.logs
      .map((line) => JSON.parse(line) as { level: string; name: string; msg: string })
      .filter(
        (l) =>
          l.msg.startsWith('http request body') && l.msg.includes('Token id') && l.msg.includes(publicId),
      );
    expect(ephemeralBodies.length).toBeGreaterThan(0);
    for (const line of ephemeralBodies) {
      expect(line).toMatchObject({ level: 'debug', name: 'tokendesk:bolt' });
      expect(line.msg).toContain('[REDACTED]');
    }
    expect(h.logs.filter((line) => line.includes(token))).toEqual([]);
    // Not even a fragment of the secret: a partial redaction would still leak most of it.
    expect(h.logs.filter((line) => line.includes(token.slice(4, 30)))).toEqual([]);
  });

  test('after a generate the owner and the admin get a fresh App Home that shows no secret', async () => {
    await submitModal(h, await openModal(h));
    const { token } = await deliveredToken(h);
    const published = await h.waitFor(() => {
      const users = new Set(h.fake.callsTo('views.publish').map((c) => c.args.user_id));
      return users.has(OWNER) && users.has(ADMIN) ? users : undefined;
    });
    expect(published.size).toBe(2);
    expect(JSON.stringify(h.fake.callsTo('views.publish'))).not.toContain(token);
  });

  test('generate <@U…|name> prefills the owner picker', async () => {
    const modal = await openModal(h, `generate <@${OWNER}|olive>`);
    expect(ownerBlock(modal.view).element.initial_user).toBe(OWNER);
  });

  test('generate <@U…> without a name prefills the owner picker too', async () => {
    const modal = await openModal(h, `generate <@${OWNER}>`);
    expect(ownerBlock(modal.view).element.initial_user).toBe(OWNER);
  });

  test('plain generate leaves the owner picker empty', async () => {
    const modal = await openModal(h, 'generate');
    expect(ownerBlock(modal.view).element).not.toHaveProperty('initial_user');
  });

  test('a picked date wins over the preset', async () => {
    const modal = await openModal(h);
    const date = new Date(h.clock.now().getTime() + 10 * 86_400_000).toISOString().slice(0, 10);
    await submitModal(h, modal, { preset: '365', date });
    const { token } = await deliveredToken(h);
    const verified = await h.services.tokens.verify(token);
    // Valid through the picked day: it expires at the following midnight UTC.
    const expected = new Date(Date.parse(`${date}T00:00:00Z`) + 86_400_000);
    expect(verified.ok && verified.token.expiresAt).toEqual(expected);
    expect(verified.ok && verified.token.name).toBe('API token');
  });
});

describe('modal validation answers inside the modal', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
    await addPeople(h);
  });
  afterEach(async () => h.close());

  const expectErrors = async (
    modal: Awaited<ReturnType<typeof openModal>>,
    input: Parameters<typeof submitModal>[2],
  ) => {
    const res = await submitModal(h, modal, input);
    expect(res.status).toBe(200);
    const body = res.json as { response_action: string; errors: Record<string, string> };
    expect(body.response_action).toBe('errors');
    return body.errors;
  };

  const nothingCreated = async () => {
    await settle();
    expect(h.fake.callsTo('chat.postEphemeral')).toHaveLength(0);
    const { total } = await h.services.tokens.list(OPERATOR, { limit: 10, offset: 0 });
    expect(total).toBe(0);
  };

  test('no owner', async () => {
    const errors = await expectErrors(await openModal(h), { owner: null });
    expect(errors).toEqual({ [BLOCK.owner]: 'Choose the person the token is for.' });
    await nothingCreated();
  });

  test('a name that is too long or has markup', async () => {
    const modal = await openModal(h);
    expect((await expectErrors(modal, { name: 'n'.repeat(65) }))[BLOCK.name]).toMatch(
      /at most 64 characters/,
    );
    expect((await expectErrors(modal, { name: '<b>' }))[BLOCK.name]).toMatch(/without < or >/);
    await nothingCreated();
  });

  test('a date in the past', async () => {
    const yesterday = new Date(h.clock.now().getTime() - 86_400_000).toISOString().slice(0, 10);
    const errors = await expectErrors(await openModal(h), { date: yesterday });
    expect(errors).toEqual({ [BLOCK.expiryDate]: 'The expiry must be in the future.' });
    await nothingCreated();
  });

  test('a date beyond the maximum lifetime', async () => {
    const far = new Date(h.clock.now().getTime() + 400 * 86_400_000).toISOString().slice(0, 10);
    const errors = await expectErrors(await openModal(h), { date: far });
    expect(errors).toEqual({ [BLOCK.expiryDate]: 'Tokens can live at most 365 days.' });
    await nothingCreated();
  });

  test('an owner who is a bot', async () => {
    h.fake.addUser({ id: 'U0BOTUSER1', teamId: h.fake.teamId, isBot: true, email: 'bot@example.com' });
    const errors = await expectErrors(await openModal(h), { owner: 'U0BOTUSER1' });
    expect(errors[BLOCK.owner]).toMatch(/bot/);
    await nothingCreated();
  });

  test('an owner whose Slack account is deactivated', async () => {
    h.fake.addUser({ id: 'U0GONE0001', teamId: h.fake.teamId, deleted: true, email: 'gone@example.com' });
    const errors = await expectErrors(await openModal(h), { owner: 'U0GONE0001' });
    expect(errors[BLOCK.owner]).toMatch(/deactivated/);
    await nothingCreated();
  });

  test('an owner without an e-mail address cannot be mapped', async () => {
    h.fake.addUser({ id: 'U0NOMAIL01', teamId: h.fake.teamId });
    const errors = await expectErrors(await openModal(h), { owner: 'U0NOMAIL01' });
    expect(errors[BLOCK.owner]).toMatch(/e-mail/);
    await nothingCreated();
  });

  test('an owner whose Tokendesk account is deactivated', async () => {
    const owner = await linkOwner(h);
    await h.services.users.deactivateUser(OPERATOR, owner.id, 'test');
    const errors = await expectErrors(await openModal(h), {});
    expect(errors).toEqual({ [BLOCK.owner]: "This person's Tokendesk account is deactivated." });
    await nothingCreated();
  });

  test('an owner lookup slower than Slack waits for is answered inside the modal in time', async () => {
    const modal = await openModal(h);
    h.fake.failNext('users.info', { delayMs: 4000 });
    const started = Date.now();
    const errors = await expectErrors(modal, {});
    expect(Date.now() - started).toBeLessThan(2500);
    expect(errors[BLOCK.owner]).toMatch(/could not look this person up/);
  });

  test('an owner Slack does not know', async () => {
    const errors = await expectErrors(await openModal(h), { owner: 'U0NOBODY01' });
    expect(errors[BLOCK.owner]).toMatch(/could not look this person up/);
    await nothingCreated();
  });

  test('a submission fixed after an error still generates: the refused attempt does not use up the view', async () => {
    const modal = await openModal(h);
    await expectErrors(modal, { owner: null });
    const res = await submitModal(h, modal, {});
    expect(res.json).toBeUndefined();
    const { token } = await deliveredToken(h);
    expect((await h.services.tokens.verify(token)).ok).toBe(true);
  });
});
