/**
 * Migrations: idempotent, safe when several instances start together against one Postgres
 * (an advisory lock serializes them), and a PGlite folder keeps its data across restarts.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import postgres from 'postgres';
import { afterEach, describe, expect, test } from 'vitest';
import { type DatabaseHandle, openDatabase } from '../../src/db/client.ts';
import { MIGRATIONS_FOLDER, migrateDatabase } from '../../src/db/migrate.ts';
import {
  createServerDatabase,
  engineName,
  getTestDatabase,
  rowsOf,
  serverUrl,
} from '../support/test-database.ts';

const MIGRATE_ONCE = fileURLToPath(new URL('./migrate-once.ts', import.meta.url));
const JOURNAL = JSON.parse(readFileSync(join(MIGRATIONS_FOLDER, 'meta', '_journal.json'), 'utf8')) as {
  entries: { tag: string }[];
};
const TABLES = [
  'api_tokens',
  'audit_events',
  'processed_submissions',
  'reminder_deliveries',
  'slack_identities',
  'users',
];

const appliedMigrations = async (handle: DatabaseHandle) =>
  rowsOf<{ hash: string }>(await handle.db.execute(sql`select hash from drizzle.__drizzle_migrations`));
const publicTables = async (handle: DatabaseHandle) =>
  rowsOf<{ tablename: string }>(
    await handle.db.execute(
      sql`select tablename from pg_tables where schemaname = 'public' order by tablename`,
    ),
  ).map((r) => r.tablename);

const runNode = (args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });

// Generous timeout: child processes and a first PGlite start (initdb) are slow on a busy machine.
describe(`migrations on ${engineName()}`, { timeout: 120_000 }, () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  test('migrating an up-to-date database again changes nothing', async () => {
    const handle = await getTestDatabase();
    const before = await appliedMigrations(handle);
    expect(before).toHaveLength(JOURNAL.entries.length);
    await migrateDatabase(handle);
    await migrateDatabase(handle);
    expect(await appliedMigrations(handle)).toEqual(before);
    expect((await publicTables(handle)).filter((t) => TABLES.includes(t))).toEqual(TABLES);
  });

  test('migrations keep the data already there', async () => {
    const handle = await getTestDatabase();
    await handle.db.execute(sql`insert into users (email) values ('kept@example.com')`);
    await migrateDatabase(handle);
    expect(rowsOf(await handle.db.execute(sql`select email from users`))).toEqual([
      { email: 'kept@example.com' },
    ]);
  });

  test.skipIf(!serverUrl())(
    'two processes migrating one fresh Postgres database at once both succeed and apply the schema once (needs TEST_DATABASE_URL: a PGlite database belongs to one process)',
    async () => {
      const url = await createServerDatabase(`migrate_race_${process.pid}`);
      const name = decodeURIComponent(new URL(url).pathname.slice(1));
      cleanups.push(async () => {
        const admin = postgres(serverUrl()!, { max: 1, onnotice: () => {} });
        await admin.unsafe(`drop database if exists "${name}" with (force)`).finally(() => admin.end());
      });
      const results = await Promise.all([
        runNode(['--import', 'tsx', MIGRATE_ONCE, url]),
        runNode(['--import', 'tsx', MIGRATE_ONCE, url]),
      ]);
      for (const r of results) expect(r, r.stderr).toMatchObject({ code: 0, stdout: 'migrated\n' });
      const handle = await openDatabase(url, { maxConnections: 1 });
      cleanups.push(() => handle.close());
      expect(await appliedMigrations(handle)).toHaveLength(JOURNAL.entries.length);
      expect((await publicTables(handle)).filter((t) => TABLES.includes(t))).toEqual(TABLES);
    },
  );

  test('a pglite:<folder> database keeps its data across close and reopen', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tokendesk-pglite-'));
    cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
    const url = `pglite:${join(dir, 'nested', 'data')}`;
    const first = await openDatabase(url);
    try {
      await migrateDatabase(first);
      await first.db.execute(sql`insert into users (email, role) values ('persisted@example.com', 'admin')`);
    } finally {
      await first.close();
    }
    const second = await openDatabase(url);
    try {
      await migrateDatabase(second);
      expect(rowsOf(await second.db.execute(sql`select email, role from users`))).toEqual([
        { email: 'persisted@example.com', role: 'admin' },
      ]);
      expect(await appliedMigrations(second)).toHaveLength(JOURNAL.entries.length);
    } finally {
      await second.close();
    }
  });
});
