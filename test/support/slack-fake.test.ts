import { randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { App, LogLevel } from '@slack/bolt';
import {
  ErrorCode,
  type HomeView,
  type Logger,
  type ModalView,
  WebClient,
  type WebClientOptions,
} from '@slack/web-api';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { type BlockKitSurface, type SlackFake, startSlackFake, validateBlockKit } from './slack-fake.ts';
import {
  blockActionsBody,
  blockSuggestionBody,
  eventBody,
  postSigned,
  signRequest,
  slashCommandBody,
  urlVerificationBody,
  viewClosedBody,
  viewSubmissionBody,
} from './slack-requests.ts';

// WebClient logs Slack's `[ERROR]` response metadata; the tests below provoke those on purpose.
const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  setLevel: () => undefined,
  getLevel: () => LogLevel.ERROR,
  setName: () => undefined,
};

const TEAM = 'T0FAKE0001';
const ALICE = 'U0ALICE001';
const BOB_DELETED = 'U0BOB00001';
const HELPER_BOT = 'U0HELPBOT1';

const plain = (text: string) => ({ type: 'plain_text' as const, text });
const mrkdwn = (text: string) => ({ type: 'mrkdwn' as const, text });
const chars = (n: number) => 'x'.repeat(n);
const section = (text = 'hello') => ({ type: 'section', text: mrkdwn(text) });
const button = (extra: Record<string, unknown> = {}) => ({
  type: 'button',
  action_id: 'go',
  text: plain('Go'),
  ...extra,
});
const actions = (...elements: unknown[]) => ({ type: 'actions', elements });
const option = (text = 'a', value = 'a') => ({ text: plain(text), value });
const options = (n: number) => Array.from({ length: n }, (_, i) => option(`o${i}`, `v${i}`));
// Views are typed loosely on purpose: several tests build ones Slack must reject.
const modal = (extra: Record<string, unknown> = {}) =>
  ({ type: 'modal', title: plain('API tokens'), blocks: [section()], ...extra }) as ModalView;
const home = (extra: Record<string, unknown> = {}) =>
  ({ type: 'home', blocks: [section()], ...extra }) as HomeView;
const confirm = (extra: Record<string, unknown> = {}) => ({
  title: plain('Sure?'),
  text: plain('Really revoke?'),
  confirm: plain('Revoke'),
  deny: plain('Cancel'),
  ...extra,
});
const inputBlock = {
  type: 'input',
  label: plain('Name'),
  element: { type: 'plain_text_input', action_id: 'n' },
};
const sections = (n: number) => Array.from({ length: n }, () => section());

/**
 * A bare WebSocket client over node:http (Node 20 has no global WebSocket): the upgrade, then
 * unmasked server text frames in and masked client text frames out. Small messages only.
 */
const rawWebSocket = (url: string) =>
  new Promise<{ status: number; next: () => Promise<string>; send: (text: string) => void; end: () => void }>(
    (resolve, reject) => {
      const req = httpRequest(url.replace(/^ws/, 'http'), {
        headers: {
          connection: 'Upgrade',
          upgrade: 'websocket',
          'sec-websocket-version': '13',
          'sec-websocket-key': randomBytes(16).toString('base64'),
        },
      });
      const none = { next: async () => '', send: () => undefined, end: () => undefined };
      req.on('response', (res) => {
        res.resume();
        resolve({ status: res.statusCode ?? 0, ...none });
      });
      req.on('error', reject);
      req.on('upgrade', (res, socket, head) => {
        // The first frames may arrive together with the 101 answer.
        let buffer = Buffer.from(head);
        const waiting: Array<(text: string) => void> = [];
        const messages: string[] = [];
        const drain = () => {
          for (;;) {
            if (buffer.length < 2) return;
            let length = buffer[1]! & 0x7f;
            let offset = 2;
            if (length === 126) {
              if (buffer.length < 4) return;
              length = buffer.readUInt16BE(2);
              offset = 4;
            }
            if (buffer.length < offset + length) return;
            const text = buffer.subarray(offset, offset + length).toString('utf8');
            buffer = buffer.subarray(offset + length);
            const waiter = waiting.shift();
            if (waiter) waiter(text);
            else messages.push(text);
          }
        };
        socket.on('data', (chunk: Buffer) => {
          buffer = Buffer.concat([buffer, chunk]);
          drain();
        });
        drain();
        resolve({
          status: res.statusCode ?? 0,
          next: () =>
            new Promise((r) => {
              const queued = messages.shift();
              if (queued !== undefined) r(queued);
              else waiting.push(r);
            }),
          send: (text) => {
            const payload = Buffer.from(text);
            const mask = randomBytes(4);
            const masked = Buffer.from(payload.map((byte, i) => byte ^ mask[i % 4]!));
            const header =
              payload.length < 126
                ? Buffer.from([0x81, 0x80 | payload.length])
                : Buffer.from([0x81, 0x80 | 126, payload.length >> 8, payload.length & 0xff]);
            socket.write(Buffer.concat([header, mask, masked]));
          },
          end: () => socket.destroy(),
        });
      });
      req.end();
    },
  );

describe('the Slack Web API fake', () => {
  let fake: SlackFake;
  const client = (options: WebClientOptions & { token?: string } = {}) =>
    new WebClient(options.token ?? fake.botToken, {
      slackApiUrl: fake.url,
      retryConfig: { retries: 0 },
      logger: silentLogger,
      ...options,
    });

  beforeAll(async () => {
    fake = await startSlackFake();
    fake.addUser({ id: ALICE, teamId: TEAM, email: 'alice@example.com', name: 'alice', realName: 'Alice A' });
    fake.addUser({ id: BOB_DELETED, teamId: TEAM, name: 'bob', deleted: true });
    fake.addUser({ id: HELPER_BOT, teamId: TEAM, name: 'helper', isBot: true });
  });
  afterAll(() => fake.close());
  beforeEach(() => fake.reset());

  describe('authentication', () => {
    it('answers auth.test for the bot token with the bot identity', async () => {
      const result = await client().auth.test();
      expect(result).toMatchObject({
        ok: true,
        team_id: fake.teamId,
        user_id: fake.botUserId,
        bot_id: fake.botId,
      });
      expect(fake.callsTo('auth.test')).toHaveLength(1);
    });

    it('rejects a wrong token with invalid_auth and still records the call', async () => {
      await expect(client({ token: 'xoxb-wrong' }).auth.test()).rejects.toMatchObject({
        code: ErrorCode.PlatformError,
        data: { error: 'invalid_auth' },
      });
      expect(fake.calls).toMatchObject([{ method: 'auth.test', error: 'invalid_auth' }]);
    });

    it('rejects a call without any token with not_authed', async () => {
      const anonymous = new WebClient(undefined, {
        slackApiUrl: fake.url,
        retryConfig: { retries: 0 },
        logger: silentLogger,
      });
      await expect(anonymous.auth.test()).rejects.toMatchObject({ data: { error: 'not_authed' } });
    });

    it('accepts the token as a form field and leaves it out of the recorded arguments', async () => {
      const response = await fetch(`${fake.url}auth.test`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ token: fake.botToken }),
      });
      expect(await response.json()).toMatchObject({ ok: true });
      expect(fake.allCallsText()).not.toContain(fake.botToken);
    });

    it('accepts JSON bodies authenticated with a bearer header', async () => {
      const response = await fetch(`${fake.url}chat.postMessage`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${fake.botToken}` },
        body: JSON.stringify({ channel: 'C0GENERAL1', text: 'hi', blocks: [section()] }),
      });
      expect(await response.json()).toMatchObject({ ok: true, channel: 'C0GENERAL1' });
      expect(fake.callsTo('chat.postMessage')[0]?.args.blocks).toEqual([section()]);
    });

    it('answers unknown_method for methods it does not implement', async () => {
      await expect(client().apiCall('admin.apps.approve')).rejects.toMatchObject({
        data: { error: 'unknown_method' },
      });
    });
  });

  describe('users and conversations', () => {
    it('describes a known user the way users.info does', async () => {
      const result = await client().users.info({ user: ALICE });
      expect(result.user).toMatchObject({
        id: ALICE,
        team_id: TEAM,
        name: 'alice',
        real_name: 'Alice A',
        deleted: false,
        is_bot: false,
        profile: { email: 'alice@example.com', real_name: 'Alice A', display_name: 'alice' },
      });
    });

    it('reports enterprise membership for grid users', async () => {
      fake.addUser({ id: 'W0GRID0001', teamId: TEAM, enterpriseId: 'E0GRID0001' });
      const result = await client().users.info({ user: 'W0GRID0001' });
      expect(result.user?.enterprise_user).toMatchObject({ enterprise_id: 'E0GRID0001' });
    });

    it('answers user_not_found for a user it has never heard of', async () => {
      await expect(client().users.info({ user: 'U0NOBODY01' })).rejects.toMatchObject({
        data: { error: 'user_not_found' },
      });
    });

    it('opens the same DM channel for a user every time', async () => {
      const first = await client().conversations.open({ users: ALICE });
      const second = await client().conversations.open({ users: ALICE });
      expect(first.channel?.id).toMatch(/^D/);
      expect(second.channel?.id).toBe(first.channel?.id);
      expect(first.channel?.id).toBe(fake.dmChannelOf(ALICE));
    });

    it.each([
      { who: 'an unknown user', user: 'U0NOBODY01', error: 'user_not_found' },
      { who: 'a bot', user: HELPER_BOT, error: 'cannot_dm_bot' },
      { who: 'a deactivated user', user: BOB_DELETED, error: 'account_inactive' },
    ])('refuses to open a DM with $who ($error)', async ({ user, error }) => {
      await expect(client().conversations.open({ users: user })).rejects.toMatchObject({ data: { error } });
    });

    it('forgets a removed user: users.info and conversations.open answer user_not_found', async () => {
      fake.addUser({ id: 'U0LEAVER01', teamId: TEAM, email: 'leaver@example.com' });
      await expect(client().conversations.open({ users: 'U0LEAVER01' })).resolves.toMatchObject({ ok: true });
      fake.removeUser('U0LEAVER01');
      await expect(client().users.info({ user: 'U0LEAVER01' })).rejects.toMatchObject({
        data: { error: 'user_not_found' },
      });
      await expect(client().conversations.open({ users: 'U0LEAVER01' })).rejects.toMatchObject({
        data: { error: 'user_not_found' },
      });
    });

    it('answers missing_scope with needed and provided for a method whose scope was not granted', async () => {
      fake.revokeScopes('im:write');
      await expect(client().conversations.open({ users: ALICE })).rejects.toMatchObject({
        code: ErrorCode.PlatformError,
        data: { error: 'missing_scope', needed: 'im:write', provided: expect.stringContaining('chat:write') },
      });
      fake.reset();
      await expect(client().conversations.open({ users: ALICE })).resolves.toMatchObject({ ok: true });
    });
  });

  describe('message metadata and conversations.history', () => {
    const metadata = {
      event_type: 'tokendesk_reminder',
      event_payload: { token_id: 'AbC123', kind: 'days:7' },
    };
    const dm = () => fake.dmChannelOf(ALICE);

    it('keeps the metadata a message was posted with and returns it only with include_all_metadata', async () => {
      await client().chat.postMessage({ channel: ALICE, text: 'tagged', metadata });
      const plainHistory = await client().conversations.history({ channel: dm() });
      expect(plainHistory.messages).toHaveLength(1);
      expect(plainHistory.messages?.[0]).not.toHaveProperty('metadata');
      const withMetadata = await client().conversations.history({
        channel: dm(),
        include_all_metadata: true,
      });
      expect(withMetadata).toMatchObject({
        ok: true,
        has_more: false,
        messages: [{ type: 'message', text: 'tagged', bot_id: fake.botId, metadata }],
        response_metadata: { next_cursor: '' },
      });
    });

    it('refuses metadata that is not an event_type with an event_payload', async () => {
      await expect(
        client().apiCall('chat.postMessage', { channel: ALICE, text: 'x', metadata: { event_type: 'only' } }),
      ).rejects.toMatchObject({ data: { error: 'invalid_metadata_format' } });
    });

    it('returns newest first, after oldest (exclusive unless inclusive), with has_more and a cursor', async () => {
      const ts: string[] = [];
      for (const text of ['one', 'two', 'three']) {
        ts.push((await client().chat.postMessage({ channel: ALICE, text })).ts ?? '');
      }
      const after = await client().conversations.history({ channel: dm(), oldest: ts[0] });
      expect(after.messages?.map((m) => m.text)).toEqual(['three', 'two']);
      const inclusive = await client().conversations.history({
        channel: dm(),
        oldest: ts[0],
        inclusive: true,
      });
      expect(inclusive.messages?.map((m) => m.text)).toEqual(['three', 'two', 'one']);
      const first = await client().conversations.history({ channel: dm(), limit: 2 });
      expect(first).toMatchObject({ has_more: true });
      expect(first.messages?.map((m) => m.text)).toEqual(['three', 'two']);
      const rest = await client().conversations.history({
        channel: dm(),
        limit: 2,
        cursor: first.response_metadata?.next_cursor ?? '',
      });
      expect(rest).toMatchObject({ has_more: false });
      expect(rest.messages?.map((m) => m.text)).toEqual(['one']);
      // A message in another conversation never shows up here.
      await client().chat.postMessage({ channel: 'C0GENERAL1', text: 'elsewhere' });
      expect((await client().conversations.history({ channel: dm() })).messages).toHaveLength(3);
    });

    it('needs im:history for a DM and answers missing_scope without it', async () => {
      fake.revokeScopes('im:history');
      await expect(client().conversations.history({ channel: dm() })).rejects.toMatchObject({
        data: { error: 'missing_scope', needed: 'im:history' },
      });
    });

    it('answers channel_not_found for a conversation that does not exist', async () => {
      await expect(client().conversations.history({ channel: 'D0NOBODY01' })).rejects.toMatchObject({
        data: { error: 'channel_not_found' },
      });
      fake.revokeScopes('channels:history');
      await expect(client().conversations.history({ channel: 'C0GENERAL1' })).rejects.toMatchObject({
        data: { error: 'missing_scope', needed: 'channels:history' },
      });
    });

    it('answers invalid_ts_oldest for an oldest that is not a Slack timestamp', async () => {
      await expect(
        client().conversations.history({ channel: dm(), oldest: 'yesterday' }),
      ).rejects.toMatchObject({
        data: { error: 'invalid_ts_oldest' },
      });
    });
  });

  describe('messages', () => {
    it('posts a message and answers with ts, channel and the message', async () => {
      const result = await client().chat.postMessage({
        channel: 'C0GENERAL1',
        text: 'hello',
        blocks: [section()],
      });
      expect(result).toMatchObject({
        ok: true,
        channel: 'C0GENERAL1',
        message: { text: 'hello', bot_id: fake.botId, blocks: [section()] },
      });
      expect(result.ts).toMatch(/^\d+\.\d{6}$/);
      expect(fake.callsTo('chat.postMessage')[0]?.args).toMatchObject({
        channel: 'C0GENERAL1',
        text: 'hello',
      });
    });

    it('posts to a user id through the DM, like Slack', async () => {
      const result = await client().chat.postMessage({ channel: ALICE, text: 'psst' });
      expect(result.channel).toBe(fake.dmChannelOf(ALICE));
    });

    it('refuses a message without text or blocks', async () => {
      await expect(client().apiCall('chat.postMessage', { channel: 'C0GENERAL1' })).rejects.toMatchObject({
        data: { error: 'no_text' },
      });
    });

    it('updates and deletes a message it posted, and not one it did not', async () => {
      const posted = await client().chat.postMessage({ channel: 'C0GENERAL1', text: 'v1' });
      const ts = posted.ts ?? '';
      const updated = await client().chat.update({ channel: 'C0GENERAL1', ts, text: 'v2' });
      expect(updated).toMatchObject({ ok: true, ts, text: 'v2', message: { text: 'v2' } });
      await expect(client().chat.delete({ channel: 'C0GENERAL1', ts })).resolves.toMatchObject({
        ok: true,
        ts,
      });
      await expect(client().chat.update({ channel: 'C0GENERAL1', ts, text: 'v3' })).rejects.toMatchObject({
        data: { error: 'message_not_found' },
      });
    });

    it('posts an ephemeral message and answers with message_ts', async () => {
      const result = await client().chat.postEphemeral({
        channel: 'C0GENERAL1',
        user: ALICE,
        text: 'only you',
      });
      expect(result.message_ts).toMatch(/^\d+\.\d{6}$/);
    });

    it('refuses ephemerals in a channel the bot is not in with channel_not_found', async () => {
      fake.refuseEphemeralIn('C0PRIVATE1');
      await expect(
        client().chat.postEphemeral({ channel: 'C0PRIVATE1', user: ALICE, text: 'only you' }),
      ).rejects.toMatchObject({ data: { error: 'channel_not_found' } });
    });

    it('rejects broken blocks with invalid_blocks and names the rule in response_metadata', async () => {
      await expect(
        client().chat.postMessage({ channel: 'C0GENERAL1', text: 'x', blocks: [section(chars(3001))] }),
      ).rejects.toMatchObject({
        data: {
          error: 'invalid_blocks',
          response_metadata: { messages: [expect.stringContaining('section text must be at most 3000')] },
        },
      });
    });

    it('rejects text over 40000 characters with msg_too_long', async () => {
      await expect(
        client().chat.postMessage({ channel: 'C0GENERAL1', text: chars(40_001) }),
      ).rejects.toMatchObject({ data: { error: 'msg_too_long' } });
    });

    it('keeps everything sent in allCallsText so tests can search for leaked secrets', async () => {
      await client().chat.postEphemeral({ channel: 'C0GENERAL1', user: ALICE, text: 'token: tdk_secret123' });
      await client().chat.postMessage({ channel: 'C0GENERAL1', text: 'token created' });
      expect(fake.allCallsText().split('tdk_secret123')).toHaveLength(2);
    });

    it('forgets recorded calls on reset but keeps the user directory', async () => {
      await client().auth.test();
      fake.reset();
      expect(fake.calls).toHaveLength(0);
      await expect(client().users.info({ user: ALICE })).resolves.toMatchObject({ ok: true });
    });
  });

  describe('views and triggers', () => {
    it('opens a modal for a fresh trigger and keeps it by id', async () => {
      const result = await client().views.open({ trigger_id: fake.issueTriggerId(), view: modal() });
      const view = result.view;
      expect(view).toMatchObject({ type: 'modal', title: plain('API tokens') });
      expect(view?.id).toMatch(/^V/);
      expect(view?.hash).toEqual(expect.any(String));
      expect(fake.viewById(view?.id ?? '')).toMatchObject({ hash: view?.hash });
    });

    it('refuses an unknown trigger and a trigger used twice', async () => {
      const view = modal();
      await expect(client().views.open({ trigger_id: '1.2.nope', view })).rejects.toMatchObject({
        data: { error: 'invalid_trigger_id' },
      });
      const trigger = fake.issueTriggerId();
      await client().views.open({ trigger_id: trigger, view });
      await expect(client().views.open({ trigger_id: trigger, view })).rejects.toMatchObject({
        data: { error: 'trigger_exchanged' },
      });
    });

    it('accepts a trigger for 3 seconds and answers expired_trigger_id after that', async () => {
      let clock = 1_700_000_000_000;
      const timed = await startSlackFake({ now: () => clock });
      try {
        const timedClient = new WebClient(timed.botToken, {
          slackApiUrl: timed.url,
          retryConfig: { retries: 0 },
        });
        const fresh = timed.issueTriggerId();
        const stale = timed.issueTriggerId();
        clock += 3_000;
        await expect(timedClient.views.open({ trigger_id: fresh, view: modal() })).resolves.toMatchObject({
          ok: true,
        });
        clock += 1;
        await expect(timedClient.views.open({ trigger_id: stale, view: modal() })).rejects.toMatchObject({
          data: { error: 'expired_trigger_id' },
        });
      } finally {
        await timed.close();
      }
    });

    it('pushes a view onto an open modal when given a trigger', async () => {
      const result = await client().views.push({ trigger_id: fake.issueTriggerId(), view: modal() });
      expect(result.view?.id).toMatch(/^V/);
    });

    it('updates a view by id or external_id and refuses a stale hash', async () => {
      const opened = await client().views.open({
        trigger_id: fake.issueTriggerId(),
        view: modal({ external_id: 'create-token-1' }),
      });
      const id = opened.view?.id ?? '';
      const byId = await client().views.update({
        view_id: id,
        hash: opened.view?.hash,
        view: modal(),
      });
      expect(byId.view).toMatchObject({ id });
      expect(byId.view?.hash).not.toBe(opened.view?.hash);
      const byExternal = await client().views.update({
        external_id: 'create-token-1',
        view: modal({ title: plain('Done') }),
      });
      expect(byExternal.view).toMatchObject({ id, title: plain('Done') });
      await expect(
        client().views.update({ view_id: id, hash: opened.view?.hash, view: modal() }),
      ).rejects.toMatchObject({ data: { error: 'hash_conflict' } });
    });

    it('publishes a home tab per user and keeps the latest one', async () => {
      const first = await client().views.publish({ user_id: ALICE, view: home() });
      const second = await client().views.publish({
        user_id: ALICE,
        view: home({ private_metadata: 'v2' }),
      });
      expect(second.view?.id).toBe(first.view?.id);
      expect(fake.homeOf(ALICE)).toMatchObject({ type: 'home', private_metadata: 'v2' });
      expect(fake.homeOf('U0NOBODY01')).toBeUndefined();
    });

    it('rejects a broken modal with invalid_arguments naming the rule', async () => {
      await expect(
        client().views.open({
          trigger_id: fake.issueTriggerId(),
          view: modal({ title: plain(chars(25)) }),
        }),
      ).rejects.toMatchObject({
        data: {
          error: 'invalid_arguments',
          response_metadata: { messages: [expect.stringContaining('modal title must be at most 24')] },
        },
      });
    });
  });

  describe('injected faults', () => {
    it('fails the next call with a Slack error and then behaves again', async () => {
      fake.failNext('chat.postMessage', { error: 'internal_error' });
      const post = () => client().chat.postMessage({ channel: 'C0GENERAL1', text: 'hi' });
      await expect(post()).rejects.toMatchObject({
        code: ErrorCode.PlatformError,
        data: { error: 'internal_error' },
      });
      await expect(post()).resolves.toMatchObject({ ok: true });
      expect(fake.callsTo('chat.postMessage').map((call) => call.error)).toEqual([
        'internal_error',
        undefined,
      ]);
    });

    it.each([500, 502, 503] as const)('surfaces HTTP %i as a WebAPIHTTPError', async (status) => {
      fake.failNext('auth.test', { status });
      await expect(client().auth.test()).rejects.toMatchObject({
        code: ErrorCode.HTTPError,
        statusCode: status,
      });
    });

    it('rate-limits with HTTP 429 and Retry-After, which WebClient reports as retryAfter', async () => {
      fake.failNext('chat.postMessage', { status: 429, retryAfter: 7 });
      const strict = client({ rejectRateLimitedCalls: true });
      await expect(strict.chat.postMessage({ channel: 'C0GENERAL1', text: 'hi' })).rejects.toMatchObject({
        code: ErrorCode.RateLimitedError,
        retryAfter: 7,
      });
    });

    it('lets a default WebClient wait out Retry-After and retry by itself', async () => {
      fake.failNext('auth.test', { status: 429, retryAfter: 0 });
      const patient = client({ retryConfig: { retries: 1, minTimeout: 0, maxTimeout: 0 } });
      await expect(patient.auth.test()).resolves.toMatchObject({ ok: true });
      expect(fake.callsTo('auth.test')).toHaveLength(2);
    });

    it('answers late but normally after a delay fault', async () => {
      fake.failNext('auth.test', { delayMs: 150 });
      const started = performance.now();
      await expect(client().auth.test()).resolves.toMatchObject({ ok: true });
      expect(performance.now() - started).toBeGreaterThanOrEqual(140);
    });

    it('holds a call until released, then carries it out or fails it as asked', async () => {
      const held = fake.holdNext('chat.postMessage');
      let settled = false;
      const post = client()
        .chat.postMessage({ channel: 'C0GENERAL1', text: 'held' })
        .finally(() => {
          settled = true;
        });
      await held.arrived;
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(settled).toBe(false);
      held.release();
      await expect(post).resolves.toMatchObject({ ok: true });
      const failing = fake.holdNext('chat.postMessage', { status: 503 });
      const second = client().chat.postMessage({ channel: 'C0GENERAL1', text: 'held' });
      await failing.arrived;
      failing.release();
      await expect(second).rejects.toMatchObject({ statusCode: 503 });
    });

    it('carries out a call and answers too late for a client with a short timeout', async () => {
      fake.failNext('chat.postMessage', { replyDelayMs: 400 });
      const impatient = client({ timeout: 100 });
      await expect(impatient.chat.postMessage({ channel: ALICE, text: 'landed' })).rejects.toMatchObject({
        code: ErrorCode.RequestError,
      });
      // Slack accepted it all the same: the message is in the conversation.
      const history = await client().conversations.history({ channel: fake.dmChannelOf(ALICE) });
      expect(history.messages?.map((m) => m.text)).toEqual(['landed']);
      expect(fake.callsTo('chat.postMessage')[0]?.error).toBeUndefined();
    });

    it('repeats a fault the requested number of times', async () => {
      fake.failNext('users.info', { error: 'fatal_error' }, 2);
      const lookup = () => client().users.info({ user: ALICE });
      await expect(lookup()).rejects.toMatchObject({ data: { error: 'fatal_error' } });
      await expect(lookup()).rejects.toMatchObject({ data: { error: 'fatal_error' } });
      await expect(lookup()).resolves.toMatchObject({ ok: true });
    });

    it('drops the connection without an answer for a reset fault, as an unreachable Slack would', async () => {
      fake.failNext('auth.test', { reset: true });
      await expect(client().auth.test()).rejects.toMatchObject({ code: ErrorCode.RequestError });
      expect(fake.callsTo('auth.test')[0]?.error).toBe('connection_reset');
      await expect(client().auth.test()).resolves.toMatchObject({ ok: true });
    });

    it('keeps failing with failAlways until the faults are cleared', async () => {
      fake.failAlways('auth.test', { status: 503 });
      await expect(client().auth.test()).rejects.toMatchObject({ statusCode: 503 });
      await expect(client().auth.test()).rejects.toMatchObject({ statusCode: 503 });
      fake.clearFaults();
      await expect(client().auth.test()).resolves.toMatchObject({ ok: true });
    });
  });

  describe('Socket Mode', () => {
    it('opens connections only for the app-level token, and refuses it everywhere else', async () => {
      const app = client({ token: fake.appToken });
      const opened = await app.apps.connections.open();
      expect(opened.url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/link\/\?ticket=[0-9a-f]{32}&app_id=/);
      await expect(client().apps.connections.open()).rejects.toMatchObject({
        data: { error: 'not_allowed_token_type' },
      });
      await expect(app.auth.test()).rejects.toMatchObject({ data: { error: 'not_allowed_token_type' } });
      await expect(
        client({ token: 'xapp-not-a-real-token-wrong' }).apps.connections.open(),
      ).rejects.toMatchObject({
        data: { error: 'invalid_auth' },
      });
    });

    it('says hello on a new connection, relays envelopes, records acks, and takes each ticket once', async () => {
      const { url } = await client({ token: fake.appToken }).apps.connections.open();
      const socket = await rawWebSocket(String(url));
      expect(socket.status).toBe(101);
      expect(JSON.parse(await socket.next())).toMatchObject({ type: 'hello', num_connections: 1 });
      expect(fake.openSockets()).toBe(1);

      const id = fake.sendEnvelope('slash_commands', { command: '/apitoken', text: 'help' });
      expect(JSON.parse(await socket.next())).toEqual({
        envelope_id: id,
        type: 'slash_commands',
        payload: { command: '/apitoken', text: 'help' },
        accepts_response_payload: true,
      });
      socket.send(JSON.stringify({ envelope_id: id, payload: { text: 'ok' } }));
      await vi.waitFor(() => expect(fake.socketAcks).toEqual([{ envelope_id: id, payload: { text: 'ok' } }]));

      expect((await rawWebSocket(String(url))).status).toBe(401);
      socket.end();
      await vi.waitFor(() => expect(fake.openSockets()).toBe(0));
    });

    it('refuses to send an envelope when no connection is open', () => {
      expect(() => fake.sendEnvelope('events_api', {})).toThrow(/no open Socket Mode connection/);
    });
  });

  describe('response_url', () => {
    const postTo = (url: string, body: unknown) =>
      fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });

    it('records what is posted to a response_url and answers ok', async () => {
      const url = fake.responseUrl();
      const response = await postTo(url, {
        text: 'done',
        replace_original: true,
        response_type: 'ephemeral',
      });
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ ok: true });
      expect(fake.callsTo('response_url')).toMatchObject([
        { url, args: { text: 'done', replace_original: true, response_type: 'ephemeral' } },
      ]);
    });

    it('answers 404 for a response_url it never issued', async () => {
      const url = fake.responseUrl().replace(/[^/]+$/, 'made-up');
      expect((await postTo(url, { text: 'x' })).status).toBe(404);
    });

    it('allows five uses of one response_url, like Slack', async () => {
      const url = fake.responseUrl();
      const statuses: number[] = [];
      for (let i = 0; i < 6; i += 1) statuses.push((await postTo(url, { text: `#${i}` })).status);
      expect(statuses).toEqual([200, 200, 200, 200, 200, 404]);
    });

    it('refuses broken blocks on a response_url with a non-2xx status', async () => {
      const response = await postTo(fake.responseUrl(), { text: 'x', blocks: sections(51) });
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ ok: false, error: 'invalid_blocks' });
    });
  });
});

describe('validateBlockKit', () => {
  const overflow = (n: number) => ({ type: 'overflow', action_id: 'more', options: options(n) });
  const select = (opts: unknown[]) => ({ type: 'static_select', action_id: 'pick', options: opts });
  const sectionWith = (accessory: unknown) => ({ ...section(), accessory });
  const inModal = (...blocks: unknown[]) => modal({ blocks });
  const inMessage = (...blocks: unknown[]) => ({ text: 'fallback', blocks });

  const cases: Array<{ rule: string; surface: BlockKitSurface; payload: unknown }> = [
    { rule: 'message blocks must have at most 50', surface: 'message', payload: inMessage(...sections(51)) },
    { rule: 'modal blocks must have at most 100', surface: 'modal', payload: inModal(...sections(101)) },
    { rule: 'home blocks must have at most 100', surface: 'home', payload: home({ blocks: sections(101) }) },
    { rule: 'modal title must be at most 24', surface: 'modal', payload: modal({ title: plain(chars(25)) }) },
    {
      rule: 'modal submit must be at most 24',
      surface: 'modal',
      payload: modal({ submit: plain(chars(25)) }),
    },
    { rule: 'modal close must be at most 24', surface: 'modal', payload: modal({ close: plain(chars(25)) }) },
    {
      rule: 'section text must be at most 3000',
      surface: 'message',
      payload: inMessage(section(chars(3001))),
    },
    {
      rule: 'section fields must have at most 10',
      surface: 'message',
      payload: inMessage({ type: 'section', fields: Array.from({ length: 11 }, () => mrkdwn('f')) }),
    },
    {
      rule: 'section field must be at most 2000',
      surface: 'message',
      payload: inMessage({ type: 'section', fields: [mrkdwn(chars(2001))] }),
    },
    {
      rule: 'header text must be at most 150',
      surface: 'message',
      payload: inMessage({ type: 'header', text: plain(chars(151)) }),
    },
    {
      rule: 'context elements must have at most 10',
      surface: 'message',
      payload: inMessage({ type: 'context', elements: Array.from({ length: 11 }, () => mrkdwn('c')) }),
    },
    {
      rule: 'actions elements must have at most 25',
      surface: 'message',
      payload: inMessage(actions(...Array.from({ length: 26 }, (_, i) => button({ action_id: `b${i}` })))),
    },
    {
      rule: 'button text must be at most 75',
      surface: 'message',
      payload: inMessage(actions(button({ text: plain(chars(76)) }))),
    },
    {
      rule: 'button value must be at most 2000',
      surface: 'message',
      payload: inMessage(actions(button({ value: chars(2001) }))),
    },
    {
      rule: 'action_id must be at most 255',
      surface: 'message',
      payload: inMessage(actions(button({ action_id: chars(256) }))),
    },
    {
      rule: 'block_id must be at most 255',
      surface: 'message',
      payload: inMessage({ ...section(), block_id: chars(256) }),
    },
    {
      rule: 'confirm title must be at most 100',
      surface: 'message',
      payload: inMessage(actions(button({ confirm: confirm({ title: plain(chars(101)) }) }))),
    },
    {
      rule: 'confirm text must be at most 300',
      surface: 'message',
      payload: inMessage(actions(button({ confirm: confirm({ text: plain(chars(301)) }) }))),
    },
    {
      rule: 'confirm button must be at most 30',
      surface: 'message',
      payload: inMessage(actions(button({ confirm: confirm({ confirm: plain(chars(31)) }) }))),
    },
    {
      rule: 'deny button must be at most 30',
      surface: 'message',
      payload: inMessage(actions(button({ confirm: confirm({ deny: plain(chars(31)) }) }))),
    },
    {
      rule: 'private_metadata must be at most 3000',
      surface: 'modal',
      payload: modal({ private_metadata: chars(3001) }),
    },
    {
      rule: 'static_select options must have at most 100',
      surface: 'modal',
      payload: inModal(sectionWith(select(options(101)))),
    },
    {
      rule: 'overflow options must have at most 5',
      surface: 'message',
      payload: inMessage(actions(overflow(6))),
    },
    {
      rule: 'option text must be at most 75',
      surface: 'modal',
      payload: inModal(sectionWith(select([option(chars(76), 'v')]))),
    },
    {
      rule: 'option value must be at most 150',
      surface: 'modal',
      payload: inModal(sectionWith(select([option('t', chars(151))]))),
    },
    {
      rule: 'callback_id must be at most 255',
      surface: 'modal',
      payload: modal({ callback_id: chars(256) }),
    },
    { rule: 'message text must be at most 40000', surface: 'message', payload: { text: chars(40_001) } },
    {
      rule: "duplicate block_id 'same'",
      surface: 'home',
      payload: home({
        blocks: [
          { ...section(), block_id: 'same' },
          { ...section(), block_id: 'same' },
        ],
      }),
    },
    {
      rule: "duplicate action_id 'go'",
      surface: 'message',
      payload: inMessage(actions(button(), button())),
    },
    { rule: 'input blocks are only allowed in modals', surface: 'message', payload: inMessage(inputBlock) },
    {
      rule: 'input blocks are only allowed in modals',
      surface: 'home',
      payload: home({ blocks: [inputBlock] }),
    },
    { rule: 'modal submit is required', surface: 'modal', payload: inModal(inputBlock) },
  ];

  it.each(cases)('flags "$rule" on a $surface', ({ rule, surface, payload }) => {
    const problems = validateBlockKit(surface, payload);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(rule);
    expect(problems[0]).toMatch(/\[json-pointer:\/\S*\]$/);
  });

  it('accepts a modal that sits exactly at every limit', () => {
    const atLimits = modal({
      title: plain(chars(24)),
      submit: plain(chars(24)),
      close: plain(chars(24)),
      private_metadata: chars(3000),
      callback_id: chars(255),
      blocks: [
        { type: 'header', text: plain(chars(150)) },
        { ...section(chars(3000)), block_id: chars(255) },
        { type: 'section', fields: Array.from({ length: 10 }, () => mrkdwn(chars(2000))) },
        { type: 'context', elements: Array.from({ length: 10 }, () => mrkdwn('c')) },
        actions(
          button({
            action_id: chars(255),
            text: plain(chars(75)),
            value: chars(2000),
            confirm: confirm({
              title: plain(chars(100)),
              text: plain(chars(300)),
              confirm: plain(chars(30)),
              deny: plain(chars(30)),
            }),
          }),
          overflow(5),
          select([...options(99), option(chars(75), chars(150))]),
          ...Array.from({ length: 22 }, (_, i) => button({ action_id: `b${i}` })),
        ),
        inputBlock,
        ...sections(94),
      ],
    });
    expect(validateBlockKit('modal', atLimits)).toEqual([]);
  });

  it('refuses a view whose type does not match the surface', () => {
    expect(validateBlockKit('home', modal())).toEqual([expect.stringContaining("view type must be 'home'")]);
  });
});

describe("signed requests against Bolt's HTTPReceiver", () => {
  const signingSecret = 'test-signing-secret';
  let fake: SlackFake;
  let app: App;
  let eventsUrl: string;
  const seen: Record<string, unknown> = {};

  beforeAll(async () => {
    fake = await startSlackFake();
    fake.addUser({ id: ALICE, teamId: TEAM, name: 'alice' });
    // The App constructor calls auth.test right away, so the fake must already be listening.
    app = new App({
      token: fake.botToken,
      signingSecret,
      logLevel: LogLevel.ERROR,
      clientOptions: { slackApiUrl: fake.url, retryConfig: { retries: 0 } },
    });
    registerListeners(app, seen);
    const server = await app.start(0);
    eventsUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/slack/events`;
  });
  afterAll(async () => {
    await app.stop();
    await fake.close();
  });

  const who = { userId: ALICE, teamId: TEAM };

  it('verifies the bot token against the fake with auth.test once constructed', async () => {
    // The constructor fires auth.test without awaiting it, so it may land after app.start() resolves.
    await vi.waitFor(() => expect(fake.callsTo('auth.test').length).toBeGreaterThanOrEqual(1));
  });

  it('acks a correctly signed slash command and lets the listener respond', async () => {
    const body = slashCommandBody({
      ...who,
      text: 'create ci-bot',
      channelId: 'C0GENERAL1',
      triggerId: fake.issueTriggerId(),
      responseUrl: fake.responseUrl(),
    });
    const response = await postSigned(eventsUrl, body, { secret: signingSecret });
    expect(response).toMatchObject({ status: 200, text: 'working on it' });
    expect(seen.command).toMatchObject({ command: '/apitoken', text: 'create ci-bot', user_id: ALICE });
    await vi.waitFor(() => expect(fake.callsTo('response_url')).toMatchObject([{ args: { text: 'done' } }]));
  });

  it('answers 401 to a slash command with a wrong signature', async () => {
    const body = slashCommandBody({ ...who, text: 'x', channelId: 'C1', triggerId: 't', responseUrl: 'r' });
    const wrong = signRequest('not-the-secret', body)['x-slack-signature'];
    const response = await postSigned(eventsUrl, body, { secret: signingSecret, signature: wrong });
    expect(response.status).toBe(401);
  });

  it('answers 401 to a request signed more than five minutes ago', async () => {
    const body = slashCommandBody({ ...who, text: 'x', channelId: 'C1', triggerId: 't', responseUrl: 'r' });
    const timestamp = Math.floor(Date.now() / 1000) - 6 * 60;
    expect((await postSigned(eventsUrl, body, { secret: signingSecret, timestamp })).status).toBe(401);
  });

  it('answers 400 to a form body whose content-type carries a charset, because Bolt then parses JSON', async () => {
    const body = slashCommandBody({ ...who, text: 'x', channelId: 'C1', triggerId: 't', responseUrl: 'r' });
    const contentType = 'application/x-www-form-urlencoded; charset=utf-8';
    expect((await postSigned(eventsUrl, body, { secret: signingSecret, contentType })).status).toBe(400);
  });

  it('delivers a block action with its value and container', async () => {
    const body = blockActionsBody({
      ...who,
      actionId: 'revoke_token',
      blockId: 'token_row',
      value: 'tok_123',
      triggerId: fake.issueTriggerId(),
      channelId: 'C0GENERAL1',
      message: { ts: '1700000000.000100', text: 'tokens' },
    });
    expect((await postSigned(eventsUrl, body, { secret: signingSecret })).status).toBe(200);
    expect(seen.action).toMatchObject({ type: 'button', action_id: 'revoke_token', value: 'tok_123' });
    expect(seen.actionBody).toMatchObject({
      container: { type: 'message', message_ts: '1700000000.000100', channel_id: 'C0GENERAL1' },
      channel: { id: 'C0GENERAL1' },
    });
  });

  it('delivers a static select choice from a block action', async () => {
    const body = blockActionsBody({
      ...who,
      actionId: 'pick_scope',
      selectedOption: { text: 'Read', value: 'read' },
      triggerId: fake.issueTriggerId(),
      view: { id: 'V0MODAL001' },
    });
    expect((await postSigned(eventsUrl, body, { secret: signingSecret })).status).toBe(200);
    expect(seen.selection).toMatchObject({ type: 'static_select', selected_option: { value: 'read' } });
  });

  it('delivers a view submission with its state values and private metadata', async () => {
    const values = { name_block: { name: { type: 'plain_text_input', value: 'ci-bot' } } };
    const body = viewSubmissionBody({
      ...who,
      callbackId: 'create_token',
      viewId: 'V0MODAL001',
      privateMetadata: '{"channel":"C0GENERAL1"}',
      values,
    });
    expect((await postSigned(eventsUrl, body, { secret: signingSecret })).status).toBe(200);
    expect(seen.submission).toMatchObject({
      private_metadata: '{"channel":"C0GENERAL1"}',
      state: { values },
    });
  });

  it('delivers a view_closed notification', async () => {
    const body = viewClosedBody({ ...who, callbackId: 'create_token', viewId: 'V0MODAL001' });
    expect((await postSigned(eventsUrl, body, { secret: signingSecret })).status).toBe(200);
    expect(seen.closed).toMatchObject({ type: 'view_closed', view: { callback_id: 'create_token' } });
  });

  it('answers a block suggestion with the options the listener acks', async () => {
    const body = blockSuggestionBody({ ...who, actionId: 'team_picker', blockId: 'team', value: 'plat' });
    const response = await postSigned(eventsUrl, body, { secret: signingSecret });
    expect(response).toMatchObject({ status: 200, json: { options: [option('platform', 'platform')] } });
  });

  it('delivers an Events API callback to the event listener', async () => {
    const body = eventBody({ teamId: TEAM, event: { type: 'app_home_opened', user: ALICE, tab: 'home' } });
    expect((await postSigned(eventsUrl, body, { secret: signingSecret })).status).toBe(200);
    await vi.waitFor(() => expect(seen.event).toMatchObject({ type: 'app_home_opened', user: ALICE }));
  });

  it('echoes the url_verification challenge', async () => {
    const response = await postSigned(eventsUrl, urlVerificationBody('abc123'), { secret: signingSecret });
    expect(response).toMatchObject({ status: 200, json: { challenge: 'abc123' } });
  });
});

/** Listeners that stash what Bolt handed them, so tests can check the builders produce what Bolt expects. */
function registerListeners(app: App, seen: Record<string, unknown>): void {
  app.command('/apitoken', async ({ command, ack, respond }) => {
    seen.command = command;
    await ack('working on it');
    await respond({ text: 'done' });
  });
  app.action('revoke_token', async ({ action, body, ack }) => {
    seen.action = action;
    seen.actionBody = body;
    await ack();
  });
  app.action('pick_scope', async ({ action, ack }) => {
    seen.selection = action;
    await ack();
  });
  app.view('create_token', async ({ view, ack }) => {
    seen.submission = view;
    await ack();
  });
  app.view({ callback_id: 'create_token', type: 'view_closed' }, async ({ body, ack }) => {
    seen.closed = body;
    await ack();
  });
  app.options('team_picker', async ({ ack }) => {
    await ack({ options: [option('platform', 'platform')] });
  });
  app.event('app_home_opened', async ({ event }) => {
    seen.event = event;
  });
}
