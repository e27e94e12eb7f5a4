/**
 * What reaches Slack's request URL that Slack did not send, or sent broken: unsigned,
 * wrongly signed, stale, future; malformed bodies and payload JSON; bodies over 1 MiB.
 * Each is refused with a JSON error and leaves no trace: no token, no revocation, no
 * audit row, no Slack call.
 */
import { request } from 'node:http';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { OPERATOR } from '../../src/shared/actor.ts';
import { ACTION, CALLBACK } from '../../src/slack/ids.ts';
import { ADMIN, addPeople, modalValues, newViewId, OWNER } from '../slack/generate-support.ts';
import { CHANNEL_ID, type Harness, SIGNING_SECRET, startHarness } from '../support/app-harness.ts';
import { FAKE_TEAM_ID } from '../support/slack-fake.ts';
import {
  blockActionsBody,
  FORM_CONTENT_TYPE,
  JSON_CONTENT_TYPE,
  signRequest,
  slashCommandBody,
  viewSubmissionBody,
} from '../support/slack-requests.ts';
import { rowsOf } from '../support/test-database.ts';

const nowSec = () => Math.floor(Date.now() / 1000);
const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
const payloadForm = (payload: unknown) => form({ payload: JSON.stringify(payload) });

describe('requests Slack did not send, or sent broken', () => {
  let h: Harness;
  let tokenId: string;
  let plaintext: string;

  const counts = async () => {
    const [row] = rowsOf<{ tokens: number | string; revoked: number | string; audit: number | string }>(
      await h.handle.db.execute(sql`
        select (select count(*) from api_tokens) as tokens,
               (select count(*) from api_tokens where revoked_at is not null) as revoked,
               (select count(*) from audit_events) as audit`),
    );
    return { tokens: Number(row!.tokens), revoked: Number(row!.revoked), audit: Number(row!.audit) };
  };
  const slackCalls = () => h.fake.calls.filter((c) => c.method !== 'auth.test').length;

  /** One of each request kind that would change something if it were accepted. */
  const harmfulBodies = () => ({
    'slash command': slashCommandBody({
      text: `revoke ${tokenId}`,
      userId: ADMIN,
      teamId: FAKE_TEAM_ID,
      channelId: CHANNEL_ID,
      triggerId: h.fake.issueTriggerId(),
      responseUrl: h.fake.responseUrl(),
    }),
    'revoke button': blockActionsBody({
      userId: ADMIN,
      teamId: FAKE_TEAM_ID,
      actionId: ACTION.revokeToken,
      value: tokenId,
      triggerId: h.fake.issueTriggerId(),
      responseUrl: h.fake.responseUrl(),
      channelId: CHANNEL_ID,
    }),
    'generate submission': viewSubmissionBody({
      userId: ADMIN,
      teamId: FAKE_TEAM_ID,
      callbackId: CALLBACK.generateModal,
      viewId: newViewId(),
      values: modalValues({ owner: OWNER }),
    }),
  });

  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => h.close());
  beforeEach(async () => {
    const { getTestDatabase } = await import('../support/test-database.ts');
    await getTestDatabase();
    h.fake.reset();
    await addPeople(h);
    const owner = await h.services.users.addUser(OPERATOR, { email: 'olive@example.com' });
    const generated = await h.services.tokens.generate(OPERATOR, { ownerId: owner.user.id });
    tokenId = generated.summary.id;
    plaintext = generated.token;
  });

  const expectNoSideEffect = async (before: Awaited<ReturnType<typeof counts>>) => {
    await new Promise((r) => setTimeout(r, 150));
    expect(await counts()).toEqual(before);
    expect(slackCalls()).toBe(0);
    expect((await h.services.tokens.verify(plaintext)).ok).toBe(true);
  };

  const forgeries: Array<[string, (body: string) => { timestamp?: number; signature?: string }]> = [
    ['no signature', () => ({ signature: '' })],
    [
      'a signature made with another secret',
      (body) => ({
        signature: signRequest('not-the-signing-secret', body)['x-slack-signature']!,
      }),
    ],
    [
      'a signature of another body',
      () => ({ signature: signRequest(SIGNING_SECRET, 'text=help')['x-slack-signature']! }),
    ],
    [
      'an unknown signature version',
      (body) => ({
        signature: signRequest(SIGNING_SECRET, body)['x-slack-signature']!.replace('v0=', 'v1='),
      }),
    ],
    ['a timestamp six minutes old', () => ({ timestamp: nowSec() - 360 })],
    ['a timestamp six minutes ahead', () => ({ timestamp: nowSec() + 360 })],
    ['a timestamp that is not a number', () => ({ timestamp: Number.NaN })],
  ];

  for (const [forgery, options] of forgeries) {
    test(`${forgery}: 401 for every kind of request, and nothing happens`, async () => {
      const before = await counts();
      for (const [kind, body] of Object.entries(harmfulBodies())) {
        const opts = options(body);
        const res = await h.post(body, opts);
        expect(res.status, kind).toBe(401);
        expect((res.json as { error: { code: string } }).error.code).toMatch(/^request\.bad_/);
      }
      await expectNoSideEffect(before);
    });
  }

  test('a stale timestamp re-signed with the right secret is still refused (replay of an old request)', async () => {
    const before = await counts();
    const body = harmfulBodies()['revoke button'];
    expect((await h.post(body, { timestamp: nowSec() - 301 })).status).toBe(401);
    await expectNoSideEffect(before);
  });

  test('the same requests, correctly signed, do take effect (the refusals above are not vacuous)', async () => {
    const { 'revoke button': revoke } = harmfulBodies();
    expect((await h.post(revoke)).status).toBe(200);
    await h.waitFor(async () => (await counts()).revoked === 1);
    // Let the revoke's own replies land before the next test counts Slack calls.
    await h.waitFor(() => h.fake.callsTo('response_url').length > 0);
    await new Promise((r) => setTimeout(r, 200));
  });

  const malformed: Array<[string, string, string?]> = [
    ['payload that is not JSON', form({ payload: '{"type":' })],
    ['payload that is JSON null (Bolt would hang)', form({ payload: 'null' })],
    ['payload that is a JSON array (Bolt would answer 404)', form({ payload: '[1,2]' })],
    ['payload with no type', form({ payload: '{}' })],
    ['payload with no user', payloadForm({ type: 'block_actions', actions: [] })],
    ['block_actions without actions', payloadForm({ type: 'block_actions', user: { id: ADMIN } })],
    [
      'block_actions whose action has no action_id',
      payloadForm({
        type: 'block_actions',
        user: { id: ADMIN },
        actions: [{ type: 'button' }],
      }),
    ],
    ['view_submission without a view', payloadForm({ type: 'view_submission', user: { id: ADMIN } })],
    [
      'view_submission without state',
      payloadForm({
        type: 'view_submission',
        user: { id: ADMIN },
        view: { id: 'V1', callback_id: CALLBACK.generateModal },
      }),
    ],
    [
      'view_submission with a non-string private_metadata',
      payloadForm({
        type: 'view_submission',
        user: { id: ADMIN },
        view: { id: 'V1', callback_id: CALLBACK.generateModal, private_metadata: 7, state: { values: {} } },
      }),
    ],
    [
      'block_suggestion without a value',
      payloadForm({ type: 'block_suggestion', user: { id: ADMIN }, action_id: 'a' }),
    ],
    ['payload given twice', `${form({ payload: '{"type":"block_actions"}' })}&${form({ payload: '{}' })}`],
    [
      'slash command without response_url and trigger_id',
      form({
        command: '/apitoken',
        text: 'help',
        user_id: ADMIN,
        team_id: FAKE_TEAM_ID,
        channel_id: CHANNEL_ID,
      }),
    ],
    ['an empty form', ''],
    ['a form that is neither a command nor a payload', form({ hello: 'world' })],
    ['Events API JSON that does not parse', '{"type":"event_callback","event":', JSON_CONTENT_TYPE],
    ['Events API JSON that is not an object', '"event_callback"', JSON_CONTENT_TYPE],
    ['an event_callback without an event', '{"type":"event_callback"}', JSON_CONTENT_TYPE],
    ['a url_verification without a challenge', '{"type":"url_verification"}', JSON_CONTENT_TYPE],
    ['plain text', 'hello', 'text/plain'],
    [
      'a form sent with a charset (Bolt reads it as JSON)',
      form({ payload: '{}' }),
      `${FORM_CONTENT_TYPE}; charset=utf-8`,
    ],
  ];

  for (const [what, body, contentType] of malformed) {
    test(`a signed ${what} → 400 with a JSON reason, and nothing happens`, async () => {
      const before = await counts();
      const res = await h.post(body, contentType ? { contentType } : {});
      expect(res.status).toBe(400);
      const error = (res.json as { error: { code: string; message: string } }).error;
      expect(error.code).toBe('request.malformed');
      expect(error.message).toMatch(/^Malformed Slack request: /);
      await expectNoSideEffect(before);
      expect(h.logs.join('\n')).not.toMatch(/unhandled|TypeError/i);
    });
  }

  test('a url_verification challenge is still answered', async () => {
    const res = await h.post(JSON.stringify({ type: 'url_verification', challenge: 'c-123', token: 'x' }));
    expect(res.status).toBe(200);
    expect(res.text).toContain('c-123');
  });

  /** Sends a raw request so the body can be declared, streamed, or both. */
  const rawPost = (body: Buffer | Buffer[], headers: Record<string, string>) =>
    new Promise<{ status: number; text: string }>((resolve, reject) => {
      const url = new URL(`${h.baseUrl}/slack/events`);
      const req = request(
        { method: 'POST', host: url.hostname, port: url.port, path: url.pathname, headers },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }),
          );
        },
      );
      // The server may close the connection once it has answered 413.
      req.on('error', (error: NodeJS.ErrnoException) =>
        error.code === 'EPIPE' || error.code === 'ECONNRESET' ? undefined : reject(error),
      );
      for (const chunk of Array.isArray(body) ? body : [body]) req.write(chunk);
      req.end();
    });

  const oversized = () => {
    const body = form({ command: '/apitoken', text: 'x'.repeat(1024 * 1024), user_id: ADMIN });
    return { body, headers: signRequest(SIGNING_SECRET, body) };
  };

  test('a correctly signed body declared over 1 MiB → 413, without reading it', async () => {
    const before = await counts();
    const { body, headers } = oversized();
    const res = await rawPost(Buffer.from(body), {
      ...headers,
      'content-length': String(Buffer.byteLength(body)),
    });
    expect(res.status).toBe(413);
    expect(JSON.parse(res.text).error.code).toBe('request.too_large');
    await expectNoSideEffect(before);
  });

  test('a body streamed without a length that grows over 1 MiB → 413', async () => {
    const before = await counts();
    const { body, headers } = oversized();
    const bytes = Buffer.from(body);
    const chunks = Array.from({ length: Math.ceil(bytes.length / 65536) }, (_, i) =>
      bytes.subarray(i * 65536, (i + 1) * 65536),
    );
    const res = await rawPost(chunks, { ...headers, 'transfer-encoding': 'chunked' });
    expect(res.status).toBe(413);
    await expectNoSideEffect(before);
  });

  test('a body just under 1 MiB is read, verified and answered', async () => {
    const text = `help ${'x'.repeat(1024 * 1024 - 600)}`;
    const body = slashCommandBody({
      text,
      userId: ADMIN,
      teamId: FAKE_TEAM_ID,
      channelId: CHANNEL_ID,
      triggerId: h.fake.issueTriggerId(),
      responseUrl: h.fake.responseUrl(),
    });
    expect(Buffer.byteLength(body)).toBeLessThan(1024 * 1024);
    const res = await h.post(body);
    expect(res.status).toBe(200);
    await h.waitFor(() => h.fake.callsTo('response_url')[0]);
  });

  test('GET on the Slack request URL → 405', async () => {
    const res = await fetch(`${h.baseUrl}/slack/events`);
    expect(res.status).toBe(405);
  });
});
