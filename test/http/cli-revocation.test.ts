import { afterEach, describe, expect, test } from 'vitest';
import { type DatabaseHandle, openDatabase } from '../../src/db/client.ts';
import { migrateDatabase } from '../../src/db/migrate.ts';
import { type CliResult, createCliDatabase, runInProcess, spawnCli } from '../support/cli.ts';
import { engineName, getTestDatabase, serverUrl } from '../support/test-database.ts';
import { countingHasher, memberWithToken, within } from '../verification/fixtures.ts';
import { type ApiInstance, startApiInstance } from './api-instance.ts';

/**
 * The CLI builds no revocation bus and publishes nothing, yet a running instance that has the
 * token cached stops accepting it within a second: the database announces the revoke itself.
 * On Postgres the CLI is a real subprocess with its own connections; PGlite is one process's
 * database, so there the CLI runs in-process on the instance's database (still without a bus).
 */
describe(`a revoke made with the CLI reaches a running instance on ${engineName()}`, () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  const setUp = async () => {
    let handle: DatabaseHandle;
    let cli: (argv: string[]) => Promise<CliResult>;
    if (serverUrl()) {
      const db = await createCliDatabase('cli_revocation');
      cleanups.push(db.dispose);
      handle = await openDatabase(db.url);
      cleanups.push(() => handle.close());
      await migrateDatabase(handle);
      cli = (argv) => spawnCli(argv, { env: { DATABASE_URL: db.url } });
    } else {
      handle = await getTestDatabase();
      cli = (argv) => runInProcess(handle, argv);
    }
    const counting = countingHasher();
    const api: ApiInstance = await startApiInstance({ handle, hasher: counting.hasher });
    cleanups.push(() => api.close());
    const { user, token, summary } = await memberWithToken(api.services);
    // Cached: the second answer costs no argon2 and no database read.
    expect((await api.whoami(`Bearer ${token}`)).status).toBe(200);
    expect((await api.whoami(`Bearer ${token}`)).status).toBe(200);
    expect(counting.calls.verify).toBe(1);
    return { api, cli, user, token, summary };
  };

  test('`tokendesk tokens revoke` → the instance answers 401 within one second', async () => {
    const { api, cli, token, summary } = await setUp();
    const result = await cli(['tokens', 'revoke', summary.id]);
    expect(result, result.stderr).toMatchObject({ code: 0 });
    const elapsed = await within(1000, async () => (await api.whoami(`Bearer ${token}`)).status === 401);
    expect(elapsed).toBeLessThan(1000);
    const res = await api.whoami(`Bearer ${token}`);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('auth.token_revoked');
  });

  test('`tokendesk users deactivate` → the instance answers 401 within one second', async () => {
    const { api, cli, token, user } = await setUp();
    const result = await cli(['users', 'deactivate', user.email]);
    expect(result, result.stderr).toMatchObject({ code: 0 });
    const elapsed = await within(1000, async () => (await api.whoami(`Bearer ${token}`)).status === 401);
    expect(elapsed).toBeLessThan(1000);
    expect(api.app.verification.cache.size()).toBe(0);
  });
});
