/**
 * The whole generate flow at log level debug — command, modal, submission, the one
 * ephemeral, Done, a list, a verification call, a revoke — and then a search for the
 * secrets everywhere they could leak: every log line (Bolt's and the Web API client's
 * debug output included), every HTTP answer, every Slack call, every audit row and every
 * row of every table. The token may appear in exactly one place, the ephemeral; the
 * database holds only its argon2id hash; the signing secret and the bot token appear nowhere.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ACTION } from '../../src/slack/ids.ts';
import {
  ADMIN,
  addPeople,
  deliveredToken,
  OWNER,
  openModal,
  settle,
  submitModal,
} from '../slack/generate-support.ts';
import { CHANNEL_ID, type Harness, SIGNING_SECRET, startHarness } from '../support/app-harness.ts';
import { rowsOf } from '../support/test-database.ts';

const occurrences = (haystack: string, needle: string) => haystack.split(needle).length - 1;

describe('secrets across the whole generate flow, at log level debug', () => {
  let h: Harness;
  let token: string;
  let tokenId: string;
  const answers: string[] = [];
  let tables: Record<string, string>;

  beforeAll(async () => {
    h = await startHarness({ env: { LOG_LEVEL: 'debug' } });
    await addPeople(h);
    const modal = await openModal(h, `generate <@${OWNER}|olive>`);
    const submitted = await submitModal(h, modal, { name: 'secrets check', preset: '30' });
    answers.push(submitted.text);
    ({ token } = await deliveredToken(h));
    tokenId = token.slice(4, 16);

    const api = await fetch(`${h.baseUrl}/api/v1/whoami`, { headers: { authorization: `Bearer ${token}` } });
    answers.push(await api.text());
    expect(api.status).toBe(200);
    const wrong = await fetch(`${h.baseUrl}/api/v1/whoami`, {
      headers: { authorization: `Bearer ${token.slice(0, -1)}x` },
    });
    answers.push(await wrong.text());
    expect(wrong.status).toBe(401);

    for (const text of [`list <@${OWNER}>`, 'users', 'audit']) {
      const { res, responseUrl } = await h.command(text, { userId: ADMIN });
      answers.push(res.text);
      await h.waitFor(() => h.fake.callsTo('response_url').find((c) => c.url === responseUrl));
    }
    const done = await h.action({
      userId: ADMIN,
      actionId: ACTION.dismissToken,
      value: tokenId,
      responseUrl: h.fake.responseUrl(),
      channelId: CHANNEL_ID,
    });
    answers.push(done.text);
    const revoke = await h.action({
      userId: ADMIN,
      actionId: ACTION.revokeToken,
      value: tokenId,
      responseUrl: h.fake.responseUrl(),
      channelId: CHANNEL_ID,
    });
    answers.push(revoke.text);
    await h.waitFor(async () => !(await h.services.tokens.verify(token)).ok);
    await settle(500);

    tables = {};
    const names = rowsOf<{ tablename: string }>(
      await h.handle.db.execute(sql`select tablename from pg_tables where schemaname = 'public'`),
    );
    for (const { tablename } of names) {
      const rows = await h.handle.db.execute(
        sql.raw(`select row_to_json(t)::text as row from "${tablename}" t`),
      );
      tables[tablename] = rowsOf<{ row: string }>(rows)
        .map((r) => r.row)
        .join('\n');
    }
  });
  afterAll(async () => h?.close());

  const secrets = () => ({
    token,
    // The 22-character secret part alone, so a partial redaction cannot pass.
    'token secret': token.slice(16, 38),
    'signing secret': SIGNING_SECRET,
    'bot token': h.fake.botToken,
  });

  test('Bolt and the Web API client really logged at debug (so the search below means something)', () => {
    expect(h.logs.some((line) => /"level":"debug"/.test(line) && /"name":"tokendesk:bolt/.test(line))).toBe(
      true,
    );
    expect(h.logs.some((line) => /chat\.postEphemeral/.test(line))).toBe(true);
  });

  test('no log line holds any secret', () => {
    for (const [what, secret] of Object.entries(secrets())) {
      expect(
        h.logs.filter((line) => line.includes(secret)),
        what,
      ).toEqual([]);
    }
  });

  test('no HTTP answer (Slack acks, the API, its errors) holds any secret but the API never echoes it either', () => {
    const all = answers.join('\n');
    for (const [what, secret] of Object.entries(secrets())) expect(all.includes(secret), what).toBe(false);
  });

  test('the token is in exactly one Slack call, the ephemeral; the credentials in none', () => {
    const carrying = h.fake.calls.filter((c) => JSON.stringify(c.args).includes(token));
    expect(carrying.map((c) => c.method)).toEqual(['chat.postEphemeral']);
    expect(occurrences(h.fake.allCallsText(), token)).toBe(1);
    expect(h.fake.allCallsText().includes(SIGNING_SECRET)).toBe(false);
    expect(h.fake.allCallsText().includes(h.fake.botToken)).toBe(false);
  });

  test('no audit row and no row of any table holds a secret; the token table holds an argon2id hash', () => {
    expect(Object.keys(tables)).toContain('audit_events');
    expect(tables.audit_events!.length).toBeGreaterThan(0);
    for (const [table, dump] of Object.entries(tables)) {
      for (const [what, secret] of Object.entries(secrets()))
        expect(dump.includes(secret), `${what} in ${table}`).toBe(false);
    }
    expect(tables.api_tokens).toMatch(/\$argon2id\$v=19\$m=\d+,t=\d+,p=\d+\$/);
  });
});
