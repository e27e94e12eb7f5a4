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

  test('a Revoke button, a modal submission and an App Home visit are each answered without internals', async () => {
    const { ACTION, CALLBACK } = await import('../../src/slack/ids.ts');
    const { modalValues, newViewId } = await import('../slack/generate-support.ts');
    const id = token.slice(4, 16);
    proxy.cut();
    try {
      const responseUrl = h.fake.responseUrl();
      const pressed = await h.action({
        userId: 'U0ADMIN001',
        actionId: ACTION.revokeToken,
        value: id,
        responseUrl,
      });
      expect(pressed.status).toBe(200);
      const reply = await h.waitFor(
        () => h.fake.callsTo('response_url').find((c) => c.url === responseUrl),
        15_000,
      );
      expect(JSON.stringify(reply.args)).toContain('temporarily unavailable');

      // The submission is answered inside the modal, within Slack's three seconds.
      const started = Date.now();
      const submitted = await h.submit({
        userId: 'U0ADMIN001',
        callbackId: CALLBACK.generateModal,
        viewId: newViewId(),
        privateMetadata: '',
        values: modalValues({ owner: 'U0ADMIN001' }),
      });
      expect(Date.now() - started).toBeLessThan(3000);
      expect(submitted.status).toBe(200);
      const answer = submitted.json as
        | { response_action?: string; errors?: Record<string, string> }
        | undefined;
      expect(answer?.response_action).toBe('errors');
      expect(Object.values(answer?.errors ?? {}).join(' ')).toMatch(/temporarily unavailable/i);

      const home = await h.event({ event: { type: 'app_home_opened', user: 'U0ADMIN001', tab: 'home' } });
      expect(home.status).toBe(200);
      await new Promise((r) => setTimeout(r, 500));
      expect(h.logs.join('\n')).not.toMatch(/unhandled/i);
    } finally {
      proxy.restore();
    }
    // The token was not revoked by the press that could not reach the database.
    await h.waitFor(
      async () => (await h.services.tokens.verify(token).catch(() => ({ ok: false }))).ok,
      15_000,
    );
  });

  test('a reminder sweep during the outage fails, is logged, and the next one after it works', async () => {
    proxy.cut();
    try {
      await expect(h.app.runReminderSweep()).rejects.toThrow();
    } finally {
      proxy.restore();
    }
    const summary = await h.waitFor(() => h.app.runReminderSweep().catch(() => undefined), 15_000);
    expect(summary.claimed).toBeGreaterThanOrEqual(0);
  });

  test('the CLI exits non-zero with one line naming the database, without its password', async () => {
    const { linesOf, spawnCli } = await import('../support/cli.ts');
    proxy.cut();
    try {
      const url = new URL(proxy.rewrite(handle.url));
      url.password = 'hunter2-secret';
      const result = await spawnCli(['tokens', 'list'], { env: { DATABASE_URL: url.toString() } });
      expect(result.code).not.toBe(0);
      expect(linesOf(result.stderr)).toHaveLength(1);
      expect(result.stderr).toContain('cannot use the database postgres://127.0.0.1');
      expect(result.stderr).not.toContain('hunter2-secret');
    } finally {
      proxy.restore();
    }
  }, 30_000);

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
