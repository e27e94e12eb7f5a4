/**
 * The database goes away while the app runs (a TCP proxy in front of PostgreSQL is cut):
 * health turns 503, Slack users are told to try again, verification answers 503 rather
 * than 401, nothing crashes; when the database is back, everything works without a restart.
 * PGlite is embedded in the process and cannot go away, so this suite needs a server.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type DatabaseHandle, openDatabase } from '../../src/db/client.ts';
import { migrateDatabase } from '../../src/db/migrate.ts';
import { OPERATOR } from '../../src/shared/actor.ts';
import { type Harness, startHarness } from '../support/app-harness.ts';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.ts';
import { createServerDatabase, serverUrl } from '../support/test-database.ts';

describe.skipIf(!serverUrl())('a PostgreSQL outage (needs TEST_DATABASE_URL)', () => {
  let proxy: TcpProxy;
  let handle: DatabaseHandle;
  let h: Harness;
  let token: string;

  beforeAll(async () => {
    const direct = await createServerDatabase(`tokendesk_outage_w${process.env.VITEST_POOL_ID ?? '0'}`);
    const migrator = await openDatabase(direct);
    await migrateDatabase(migrator);
    await migrator.close();
    const u = new URL(direct);
    proxy = await startTcpProxy({ host: u.hostname, port: Number(u.port || 5432) });
    handle = await openDatabase(proxy.rewrite(direct));
    h = await startHarness({ handle });
    await h.person({ id: 'U0ADMIN001', email: 'admin@example.com' }, 'admin');
    const { user } = await h.services.users.addUser(OPERATOR, { email: 'owner@example.com' });
    token = (await h.services.tokens.generate(OPERATOR, { ownerId: user.id })).token;
  });

  afterAll(async () => {
    proxy.restore();
    await h?.close();
    await handle?.close();
    await proxy?.close();
  });

  test('health answers 503 during the outage and 200 after it, without a restart', async () => {
    expect((await fetch(`${h.baseUrl}/healthz`)).status).toBe(200);
    proxy.cut();
    expect((await fetch(`${h.baseUrl}/healthz`)).status).toBe(503);
    proxy.restore();
    await h.waitFor(async () => (await fetch(`${h.baseUrl}/healthz`)).status === 200, 15_000);
  });

  test('a Slack user is told the service is temporarily unavailable, without internals', async () => {
    proxy.cut();
    try {
      const { res, responseUrl } = await h.command('list', { userId: 'U0ADMIN001' });
      expect(res.status).toBe(200);
      const reply = await h.waitFor(
        () => h.fake.callsTo('response_url').find((c) => c.url === responseUrl),
        15_000,
      );
      expect(String(reply.args.text)).toContain('temporarily unavailable');
      expect(String(reply.args.text)).not.toMatch(/ECONN|postgres|stack|at \w+ \(/i);
    } finally {
      proxy.restore();
    }
    const { responseUrl } = await h.command('list', { userId: 'U0ADMIN001' });
    const after = await h.waitFor(
      () => h.fake.callsTo('response_url').find((c) => c.url === responseUrl),
      15_000,
    );
    expect(String(after.args.text ?? '') + JSON.stringify(after.args.blocks ?? [])).not.toContain(
      'temporarily unavailable',
    );
  });

  test('verification answers 503, never 401, while the database is down', async () => {
    const { formatToken } = await import('../../src/tokens/token-format.ts');
    const { cryptoRandom } = await import('../../src/shared/random.ts');
    const uncached = formatToken('QQQQQQQQQQQQ', cryptoRandom);
    proxy.cut();
    try {
      const res = await fetch(`${h.baseUrl}/api/v1/whoami`, {
        headers: { authorization: `Bearer ${uncached}` },
      });
      expect(res.status).toBe(503);
      const body = (await res.json()) as { error: { code: string } };
      expect(body.error.code).toBeDefined();
    } finally {
      proxy.restore();
    }
    const ok = await h.waitFor(async () => {
      const res = await fetch(`${h.baseUrl}/api/v1/whoami`, {
        headers: { authorization: `Bearer ${token}` },
      });
      return res.status === 200 ? res : undefined;
    }, 15_000);
    expect(ok.status).toBe(200);
  });
});
