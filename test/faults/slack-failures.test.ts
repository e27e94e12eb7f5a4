/**
 * Every Web API call the interactive flows make, failing in each of Slack's ways: HTTP 5xx,
 * a call that never answers in time, `ok:false` with the error Slack really gives there,
 * and 429 with Retry-After. Each ends in a clear outcome — the person is told, the work is
 * retried, or an undelivered token is revoked — within Slack's limits, never a stuck modal,
 * never an unhandled rejection, never an error claiming nothing changed when it did.
 * (The reminder and audit-feed paths have their own suites: test/slack/reminders-*.)
 */
import { sql } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { OPERATOR } from '../../src/shared/actor.ts';
import { ACTION, CALLBACK } from '../../src/slack/ids.ts';
import {
  ADMIN,
  addPeople,
  deliveredToken,
  MEMBER,
  modalValues,
  newViewId,
  openModal,
  settle,
  submitModal,
  TOKEN_PATTERN,
} from '../slack/generate-support.ts';
import { CHANNEL_ID, type Harness, startHarness } from '../support/app-harness.ts';
import type { RecordedCall, SlackFault } from '../support/slack-fake.ts';
import { rowsOf } from '../support/test-database.ts';

const CALL_TIMEOUT_MS = 300;

/**
 * The ways a call fails, each with the `ok:false` error Slack gives for that call, and how
 * many attempts the client makes at it (5xx, time-outs and dropped connections are retried
 * twice; an `ok:false` answer is final).
 */
const failures = (slackError: string): Array<[string, SlackFault, number]> => [
  ['HTTP 500', { status: 500 }, 3],
  ['HTTP 503', { status: 503 }, 3],
  ['no answer in time', { delayMs: CALL_TIMEOUT_MS * 4 }, 3],
  ['a dropped connection', { reset: true }, 3],
  [`ok:false ${slackError}`, { error: slackError }, 1],
];

const textOf = (call: RecordedCall) => JSON.stringify(call.args);

describe('Slack failing the interactive flows', () => {
  let h: Harness;
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  const errorLines = () => h.logs.filter((l) => /unhandled/i.test(l));

  beforeEach(async () => {
    unhandled.length = 0;
    process.on('unhandledRejection', onUnhandled);
    h = await startHarness({ slack: { callTimeoutMs: CALL_TIMEOUT_MS } });
    await addPeople(h);
  });
  afterEach(async () => {
    await settle(200);
    process.off('unhandledRejection', onUnhandled);
    await h.close();
    expect(unhandled).toEqual([]);
  });

  const replyTo = (responseUrl: string, timeoutMs = 10_000) =>
    h.waitFor(() => h.fake.callsTo('response_url').find((c) => c.url === responseUrl && !c.error), timeoutMs);

  describe('users.info, when a person is seen for the first time', () => {
    for (const [what, fault] of failures('ratelimited')) {
      test(`${what}: the command is answered with a clear "try again"`, async () => {
        h.fake.failAlways('users.info', fault);
        const { res, responseUrl } = await h.command('list', { userId: MEMBER });
        expect(res.status).toBe(200);
        const reply = await replyTo(responseUrl);
        expect(reply.args.response_type).toBe('ephemeral');
        expect(String(reply.args.text)).toMatch(/try again/i);
        expect(textOf(reply)).not.toMatch(/ECONN|fetch failed|stack|WebAPI/i);
        expect(errorLines()).toEqual([]);
      });
    }

    test('429 with Retry-After: 1 is waited out, and the answer is the real one', async () => {
      h.fake.failNext('users.info', { status: 429, retryAfter: 1 });
      const { responseUrl } = await h.command('list', { userId: MEMBER });
      const reply = await replyTo(responseUrl);
      expect(String(reply.args.text ?? '') + JSON.stringify(reply.args.blocks ?? [])).toMatch(/token/i);
      const [limited, retried] = h.fake.callsTo('users.info');
      expect(limited?.error).toBe('http_429');
      expect(retried!.at - limited!.at).toBeGreaterThanOrEqual(1000);
    });
  });

  describe('views.open, for the generate modal', () => {
    for (const [what, fault] of failures('expired_trigger_id')) {
      test(`${what}: the admin is asked to run the command again, and nothing is made`, async () => {
        h.fake.failAlways('views.open', fault);
        const { res, responseUrl } = await h.command('generate', { userId: ADMIN });
        expect(res.status).toBe(200);
        const reply = await replyTo(responseUrl);
        expect(String(reply.args.text)).toMatch(/again/i);
        expect(reply.args.response_type).toBe('ephemeral');
        const tokens = rowsOf<{ n: number | string }>(
          await h.handle.db.execute(sql`select count(*) as n from api_tokens`),
        );
        expect(Number(tokens[0]!.n)).toBe(0);
      });
    }

    test('429 with Retry-After: 1 still opens the modal inside the trigger’s three seconds', async () => {
      h.fake.failNext('views.open', { status: 429, retryAfter: 1 });
      await h.command('generate', { userId: ADMIN });
      const opened = await h.waitFor(() => h.fake.callsTo('views.open').find((c) => !c.error));
      const [limited] = h.fake.callsTo('views.open');
      expect(opened.at - limited!.at).toBeGreaterThanOrEqual(1000);
      expect(opened.at - limited!.at).toBeLessThan(3000);
    });
  });

  describe('users.info for the chosen owner, before the submission is acknowledged', () => {
    for (const [what, fault] of failures('user_not_found')) {
      test(`${what}: the modal gets an answer inside Slack's three seconds, never hangs`, async () => {
        const modal = await openModal(h);
        h.fake.failAlways('users.info', fault);
        const started = Date.now();
        const res = await submitModal(h, modal);
        expect(Date.now() - started).toBeLessThan(3000);
        expect(res.status).toBe(200);
        const answer = res.json as { response_action: string; errors: Record<string, string> };
        expect(answer.response_action).toBe('errors');
        expect(Object.values(answer.errors).join(' ')).toMatch(/again|cannot|could not/i);
      });
    }
  });

  describe('chat.postEphemeral, carrying the token', () => {
    for (const [what, fault, attempts] of failures('channel_not_found')) {
      test(`${what} in the channel: the token reaches the admin in an ephemeral, in the DM if need be`, async () => {
        const modal = await openModal(h);
        h.fake.failNext('chat.postEphemeral', fault, attempts);
        await submitModal(h, modal);
        const { token } = await deliveredToken(h);
        expect((await h.services.tokens.verify(token)).ok).toBe(true);
        const carrying = h.fake.calls.filter((c) => !c.error && textOf(c).includes(token));
        // A call that timed out may still have been carried out by Slack: the token can then be
        // in the channel's ephemeral and in the DM's, both only for this admin. Never anywhere else.
        expect(carrying.length).toBeGreaterThanOrEqual(1);
        for (const call of carrying)
          expect(call).toMatchObject({ method: 'chat.postEphemeral', args: { user: ADMIN } });
        if (!('delayMs' in fault)) {
          expect(carrying).toHaveLength(1);
          expect(carrying[0]!.args.channel).toBe(h.fake.dmChannelOf(ADMIN));
        }
      });
    }

    for (const [what, fault] of failures('channel_not_found')) {
      test(`${what} everywhere: the token is revoked as undelivered, audited, and the admin told`, async () => {
        const modal = await openModal(h);
        h.fake.failAlways('chat.postEphemeral', fault);
        await submitModal(h, modal);
        const notice = await h.waitFor(
          () =>
            h.fake.callsTo('chat.postMessage').find((c) => !c.error && /revoked|try again/i.test(textOf(c))),
          15_000,
        );
        expect(textOf(notice)).not.toMatch(TOKEN_PATTERN);
        const rows = rowsOf<{ revoke_reason: string | null }>(
          await h.handle.db.execute(sql`select revoke_reason from api_tokens`),
        );
        expect(rows).toEqual([{ revoke_reason: 'undelivered' }]);
        const audited = rowsOf<{ n: number | string }>(
          await h.handle.db.execute(
            sql`select count(*) as n from audit_events where action = 'token.revoked'`,
          ),
        );
        expect(Number(audited[0]!.n)).toBe(1);
      });
    }

    test('429 with Retry-After: 1 is waited out and the token is delivered in the channel, once', async () => {
      const modal = await openModal(h);
      h.fake.failNext('chat.postEphemeral', { status: 429, retryAfter: 1 });
      await submitModal(h, modal);
      const { call } = await deliveredToken(h);
      expect(call.args.channel).toBe(CHANNEL_ID);
      const [limited] = h.fake.callsTo('chat.postEphemeral');
      expect(call.at - limited!.at).toBeGreaterThanOrEqual(1000);
      expect(h.fake.callsTo('chat.postEphemeral').filter((c) => !c.error)).toHaveLength(1);
    });
  });

  describe('response_url, answering a Revoke button', () => {
    for (const [what, fault] of failures('expired_url')) {
      test(`${what}: the token is still revoked, and the admin is told so — not that nothing changed`, async () => {
        const owner = await h.services.users.addUser(OPERATOR, { email: 'olive@example.com' });
        const { token, summary } = await h.services.tokens.generate(OPERATOR, { ownerId: owner.user.id });
        h.fake.failAlways('response_url', fault);
        const res = await h.action({
          userId: ADMIN,
          actionId: ACTION.revokeToken,
          value: summary.id,
          responseUrl: h.fake.responseUrl(),
          channelId: CHANNEL_ID,
        });
        expect(res.status).toBe(200);
        // A late answer is still an answer: the message is replaced once Slack takes it.
        const told = await h.waitFor(
          () =>
            ('delayMs' in fault ? h.fake.callsTo('response_url') : h.fake.callsTo('chat.postEphemeral')).find(
              (c) => !c.error && textOf(c).includes(summary.id),
            ),
          15_000,
        );
        expect(textOf(told)).toMatch(/revoked/i);
        expect(textOf(told)).not.toMatch(/nothing was changed/i);
        expect((await h.services.tokens.verify(token)).ok).toBe(false);
      });
    }
  });

  describe('views.publish, for the App Home', () => {
    for (const [what, fault, attempts] of failures('not_enabled')) {
      test(`${what}: logged, nothing thrown, and the next visit publishes`, async () => {
        h.fake.failNext('views.publish', fault, attempts);
        const first = await h.event({ event: { type: 'app_home_opened', user: ADMIN, tab: 'home' } });
        expect(first.status).toBe(200);
        await h.waitFor(
          () => h.logs.some((l) => /App Home/.test(l) && /"level":"(warn|error)"/.test(l)),
          10_000,
        );
        await h.event({ event: { type: 'app_home_opened', user: ADMIN, tab: 'home' } });
        await h.waitFor(() => h.fake.homeOf(ADMIN), 10_000);
      });
    }
  });

  describe('a modal submission while every Web API call fails', () => {
    test('is still acknowledged within three seconds, and no token survives undelivered', async () => {
      const modal = await openModal(h);
      for (const method of [
        'users.info',
        'chat.postEphemeral',
        'chat.postMessage',
        'conversations.open',
        'views.publish',
      ])
        h.fake.failAlways(method, { status: 503 });
      const started = Date.now();
      const res = await h.submit({
        userId: ADMIN,
        callbackId: CALLBACK.generateModal,
        viewId: newViewId(),
        privateMetadata: modal.privateMetadata,
        values: modalValues(),
      });
      expect(Date.now() - started).toBeLessThan(3000);
      expect(res.status).toBe(200);
      await settle(2000);
      const live = rowsOf<{ n: number | string }>(
        await h.handle.db.execute(sql`select count(*) as n from api_tokens where revoked_at is null`),
      );
      expect(Number(live[0]!.n)).toBe(0);
    });
  });
});
