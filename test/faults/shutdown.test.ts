/**
 * Graceful shutdown of the real process (`npm start`'s entry, as a subprocess): SIGTERM
 * arrives while an HTTP request is half sent and while a reminder DM is held by Slack.
 * The request is answered, the DM completes and is recorded, the database is closed and
 * the process exits 0. Started again on the same database, it sends that reminder no
 * second time.
 */
import { request } from 'node:http';
import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { parseConfig } from '../../src/config.ts';
import { openDatabase } from '../../src/db/client.ts';
import { migrateDatabase } from '../../src/db/migrate.ts';
import { createServices } from '../../src/services.ts';
import { OPERATOR } from '../../src/shared/actor.ts';
import { killApps, spawnApp } from '../support/app-process.ts';
import { createCliDatabase } from '../support/cli.ts';
import { FAST_ARGON2 } from '../support/services.ts';
import { FAKE_TEAM_ID, type SlackFake, startSlackFake } from '../support/slack-fake.ts';
import { rowsOf } from '../support/test-database.ts';

const OWNER = 'U0OWNER001';
const INTROSPECTION_SECRET = 'introspection-secret-for-shutdown-test';

describe('SIGTERM while work is in flight', () => {
  let fake: SlackFake;
  let db: { url: string; dispose: () => Promise<void> };
  let token: string;
  let tokenId: string;

  beforeAll(async () => {
    fake = await startSlackFake();
    fake.addUser({ id: OWNER, teamId: FAKE_TEAM_ID, email: 'olive@example.com', realName: 'Olive Owner' });
    db = await createCliDatabase('shutdown');
    // Seed before the app starts: a PGlite folder has one owner at a time.
    const handle = await openDatabase(db.url);
    await migrateDatabase(handle);
    const services = createServices({ db: handle.db, config: parseConfig({ env: FAST_ARGON2 }) });
    const linked = await services.users.resolveSlackUser(
      { teamId: FAKE_TEAM_ID, slackUserId: OWNER, enterpriseId: null },
      async () => ({ email: 'olive@example.com', name: 'Olive Owner', isBot: false, deleted: false }),
    );
    if (!linked.ok) throw new Error('owner not linked');
    // Six days left: the 7-day reminder is due at once.
    const generated = await services.tokens.generate(OPERATOR, {
      ownerId: linked.user.id,
      name: 'deploys',
      expiry: { inDays: 6 },
    });
    token = generated.token;
    tokenId = generated.summary.id;
    await handle.close();
  });
  afterEach(killApps);
  afterAll(async () => {
    await fake?.close();
    await db?.dispose();
  });

  const startApp = async (extraEnv: Record<string, string> = {}) => {
    const app = await spawnApp({
      DATABASE_URL: db.url,
      SLACK_BOT_TOKEN: fake.botToken,
      SLACK_SIGNING_SECRET: 'shutdown-test-signing-secret',
      SLACK_API_URL: fake.url,
      INTROSPECTION_SECRET,
      REMINDER_INTERVAL_SECONDS: '1',
      ...FAST_ARGON2,
      ...extraEnv,
    });
    if (!(await app.healthy())) throw new Error(`app did not start:\n${app.output()}`);
    return app;
  };

  /** Starts an introspection request and sends only half of its body. */
  const halfSentIntrospection = (port: number) => {
    const body = `token=${token}`;
    const req = request({
      host: '127.0.0.1',
      port,
      method: 'POST',
      path: '/api/v1/introspect',
      headers: {
        authorization: `Bearer ${INTROSPECTION_SECRET}`,
        'content-type': 'application/x-www-form-urlencoded',
        'content-length': String(body.length),
      },
    });
    const answer = new Promise<{ status: number; text: string }>((resolve, reject) => {
      req.on('response', (res) => {
        let text = '';
        res.on('data', (c) => (text += String(c)));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      });
      req.on('error', reject);
    });
    req.write(body.slice(0, 10));
    req.flushHeaders();
    return { finish: () => req.end(body.slice(10)), answer };
  };

  const dmsAbout = (id: string) =>
    fake
      .callsTo('chat.postMessage')
      .filter((c) => JSON.stringify(c.args).includes(id) && c.error === undefined);

  test('the half-sent request is answered, the held DM completes once, and the process exits 0', async () => {
    // Slack holds the reminder DM for 2.5 s: SIGTERM lands in the middle of it.
    fake.failNext('chat.postMessage', { delayMs: 2500 });
    const app = await startApp();
    const pending = halfSentIntrospection(app.port);
    await new Promise((r) => setTimeout(r, 200));
    const held = await waitFor(() => fake.callsTo('chat.postMessage').length > 0, 15_000);
    expect(held).toBe(true);

    app.child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 300));
    // Still running: it is waiting for the request and for Slack.
    expect(app.child.exitCode).toBeNull();
    pending.finish();
    const answer = await pending.answer;
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.text)).toMatchObject({ active: true, jti: tokenId });

    expect(await app.exited).toBe(0);
    expect(app.output()).toContain('stopped cleanly');
    expect(app.output()).not.toContain(token);
    expect(dmsAbout(tokenId)).toHaveLength(1);

    // The delivery was recorded before the database closed.
    const handle = await openDatabase(db.url);
    try {
      const rows = rowsOf<{ kind: string; status: string }>(
        await handle.db.execute(
          sql`select kind, status from reminder_deliveries where token_id = ${tokenId} and status = 'sent'`,
        ),
      );
      expect(rows.map((r) => r.kind)).toEqual(['days:7']);
    } finally {
      await handle.close();
    }
  }, 90_000);

  test('started again on the same database, it does not send that reminder a second time', async () => {
    const app = await startApp({ LOG_LEVEL: 'debug' });
    // Several 1-second sweeps ran (each logs its summary at debug) and found nothing to send.
    const swept = await waitFor(() => (app.output().match(/reminders: 0 sent/g) ?? []).length >= 2, 15_000);
    expect(swept).toBe(true);
    expect(dmsAbout(tokenId)).toHaveLength(1);
    app.child.kill('SIGTERM');
    expect(await app.exited).toBe(0);
  }, 60_000);
});

const waitFor = async (check: () => boolean, timeoutMs: number): Promise<boolean> => {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 25));
  }
  return false;
};
