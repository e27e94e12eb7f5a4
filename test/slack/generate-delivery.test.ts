import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { OPERATOR } from '../../src/shared/actor.ts';
import { ACTION, BLOCK } from '../../src/slack/ids.ts';
import { decodeGenerateMetadata } from '../../src/slack/views/generate-modal.ts';
import { TOKEN_HIDDEN_TEXT } from '../../src/slack/views/token-delivery.ts';
import { CHANNEL_ID, type Harness, startHarness } from '../support/app-harness.ts';
import {
  ADMIN,
  addPeople,
  deliveredToken,
  linkOwner,
  newViewId,
  type OpenedModal,
  OWNER,
  openModal,
  settle,
  submitModal,
  successfulEphemerals,
  TOKEN_PATTERN,
  tokensIn,
} from './generate-support.ts';

type Json = Record<string, unknown>;

/**
 * Presses a Generate button. The modal opens at once with no owner; a prefill (which needs a
 * database read) arrives as a views.update of that same modal.
 */
const modalFromButton = async (
  h: Harness,
  input: Parameters<Harness['action']>[0],
  prefill: 'prefilled' | 'empty' = 'empty',
): Promise<OpenedModal> => {
  const res = await h.action(input);
  expect(res.status).toBe(200);
  const call = await h.waitFor(() => h.fake.callsTo('views.open')[0]);
  expect(call.error).toBeUndefined();
  let view = call.args.view as Json;
  expect(initialUserOf(view)).toBeUndefined();
  if (prefill === 'prefilled') {
    const update = await h.waitFor(() => h.fake.callsTo('views.update')[0]);
    expect(update.error).toBeUndefined();
    view = update.args.view as Json;
  } else {
    await settle(150);
    expect(h.fake.callsTo('views.update')).toEqual([]);
  }
  return { view, viewId: newViewId(), privateMetadata: String(view.private_metadata) };
};

const initialUserOf = (view: Json) =>
  ((view.blocks as Json[]).find((b) => b.block_id === BLOCK.owner) as { element: Json }).element.initial_user;

describe('where the token is delivered', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
    await addPeople(h);
  });
  afterEach(async () => h.close());

  test('a channel that refuses the ephemeral sends the token to the admin DM instead', async () => {
    h.fake.refuseEphemeralIn(CHANNEL_ID);
    await submitModal(h, await openModal(h));
    const { token, call } = await deliveredToken(h);
    expect(call.args).toMatchObject({ channel: h.fake.dmChannelOf(ADMIN), user: ADMIN });
    expect(h.fake.callsTo('chat.postEphemeral')[0]).toMatchObject({ error: 'channel_not_found' });
    expect(h.fake.callsTo('conversations.open')[0]?.args.users).toBe(ADMIN);
    expect((await h.services.tokens.verify(token)).ok).toBe(true);
    // Only ephemerals ever carried it: never a message that stays in history.
    for (const c of h.fake.calls.filter((c) => JSON.stringify(c.args).includes(token))) {
      expect(c.method).toBe('chat.postEphemeral');
    }
    expect(successfulEphemerals(h)).toHaveLength(1);
  });

  test('the App Home Generate button opens the modal for the owner and delivers to the DM directly', async () => {
    const owner = await linkOwner(h);
    const modal = await modalFromButton(
      h,
      {
        userId: ADMIN,
        actionId: ACTION.openGenerate,
        value: owner.id,
        view: { id: 'VHOME00001', type: 'home' },
      },
      'prefilled',
    );
    expect(initialUserOf(modal.view)).toBe(OWNER);
    expect(decodeGenerateMetadata(modal.privateMetadata)).toEqual({ kind: 'home' });

    await submitModal(h, modal);
    const { token, call } = await deliveredToken(h);
    expect(call.args.channel).toBe(h.fake.dmChannelOf(ADMIN));
    expect(h.fake.callsTo('chat.postEphemeral')).toHaveLength(1);
    const verified = await h.services.tokens.verify(token);
    expect(verified.ok && verified.user.id).toBe(owner.id);
  });

  test('a Generate button in a channel message delivers in that channel', async () => {
    const owner = await linkOwner(h);
    const modal = await modalFromButton(
      h,
      {
        userId: ADMIN,
        actionId: ACTION.openGenerate,
        value: owner.id,
        channelId: 'C0ADMINS01',
        message: { ts: '1700000000.000100', type: 'message' },
      },
      'prefilled',
    );
    expect(decodeGenerateMetadata(modal.privateMetadata)).toEqual({
      kind: 'channel',
      channelId: 'C0ADMINS01',
    });
    await submitModal(h, modal);
    const { call } = await deliveredToken(h);
    expect(call.args.channel).toBe('C0ADMINS01');
  });

  test('a Generate button with no owner, an unknown owner or a forged value opens an empty modal', async () => {
    for (const value of ['', '00000000-0000-4000-8000-000000000000', "x'; drop table users;--"]) {
      h.fake.reset();
      const modal = await modalFromButton(h, {
        userId: ADMIN,
        actionId: ACTION.openGenerate,
        value,
        view: { id: 'VHOME00001', type: 'home' },
      });
      expect(initialUserOf(modal.view)).toBeUndefined();
    }
  });

  test('a Generate button whose trigger expired tells the admin to press it again', async () => {
    h.fake.failNext('views.open', { error: 'expired_trigger_id' });
    await h.action({
      userId: ADMIN,
      actionId: ACTION.openGenerate,
      value: '',
      view: { id: 'VHOME00001', type: 'home' },
    });
    const notice = await h.waitFor(() => successfulEphemerals(h)[0]);
    expect(notice.args).toMatchObject({ channel: h.fake.dmChannelOf(ADMIN), user: ADMIN });
    expect(String(notice.args.text)).toContain('press Generate again');
  });

  test('a token that cannot be delivered anywhere is revoked at once as undelivered, and the admin is told', async () => {
    h.fake.failAlways('chat.postEphemeral', { error: 'channel_not_found' });
    await submitModal(h, await openModal(h), { name: 'lost in transit' });

    const notice = await h.waitFor(() =>
      h.fake.callsTo('chat.postMessage').find((c) => c.error === undefined),
    );
    expect(notice.args.channel).toBe(ADMIN);
    expect(String(notice.args.text)).toContain('revoked it at once');
    expect(JSON.stringify(notice.args)).not.toMatch(TOKEN_PATTERN);

    const attempted = h.fake.callsTo('chat.postEphemeral').flatMap(tokensIn);
    expect(new Set(attempted).size).toBe(1);
    const token = attempted[0]!;
    const verified = await h.services.tokens.verify(token);
    expect(verified).toMatchObject({ ok: false, reason: 'revoked' });

    const events = await h.services.audit.list(OPERATOR, { limit: 20 });
    const revoked = events.find((e) => e.action === 'token.revoked');
    expect(revoked?.details).toMatchObject({ reason: 'undelivered', name: 'lost in transit' });
    expect(revoked?.tokenId).toBe(token.slice(4, 16));
    const { items } = await h.services.tokens.list(OPERATOR, { limit: 10, offset: 0 });
    expect(items.map((t) => [t.status, t.revokeReason])).toEqual([['revoked', 'undelivered']]);
    expect(h.logs.filter((l) => l.includes(token))).toEqual([]);
  });

  test('when even the notice cannot be sent, the revocation still happens and is logged', async () => {
    h.fake.failAlways('chat.postEphemeral', { error: 'channel_not_found' });
    h.fake.failAlways('chat.postMessage', { error: 'channel_not_found' });
    await submitModal(h, await openModal(h));
    await h.waitFor(() => h.logs.some((l) => l.includes('could not tell a Slack user')));
    const { items } = await h.services.tokens.list(OPERATOR, { limit: 10, offset: 0 });
    expect(items.map((t) => t.revokeReason)).toEqual(['undelivered']);
  });
});

describe('the Done button', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
    await addPeople(h);
  });
  afterEach(async () => h.close());

  const press = (responseUrl: string) =>
    h.action({
      userId: ADMIN,
      actionId: ACTION.dismissToken,
      value: 'AbCdEfGhIjKl',
      responseUrl,
      channelId: CHANNEL_ID,
    });

  test('replaces the message with "Token hidden." when Slack will not delete it', async () => {
    const responseUrl = h.fake.responseUrl();
    h.fake.failNext('response_url', { error: 'message_not_found' });
    expect((await press(responseUrl)).status).toBe(200);
    const calls = await h.waitFor(() => {
      const c = h.fake.callsTo('response_url');
      return c.length >= 2 ? c : undefined;
    });
    expect(calls[0]?.args).toEqual({ delete_original: true });
    expect(calls[1]?.args).toEqual({ replace_original: true, text: TOKEN_HIDDEN_TEXT });
    expect(calls[1]?.error).toBeUndefined();
  });

  test('a double click is harmless: both are acknowledged and nothing is logged as an error', async () => {
    const responseUrl = h.fake.responseUrl();
    h.fake.failNext('response_url', { error: 'message_not_found' }, 2);
    const [a, b] = await Promise.all([press(responseUrl), press(responseUrl)]);
    expect([a.status, b.status]).toEqual([200, 200]);
    await h.waitFor(() => h.fake.callsTo('response_url').length >= 3);
    await settle();
    expect(h.logs.filter((l) => l.includes('"level":"error"'))).toEqual([]);
  });
});
