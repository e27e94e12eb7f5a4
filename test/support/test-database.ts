/**
 * The database under test: PGlite in memory by default, or a real PostgreSQL server when
 * TEST_DATABASE_URL is set. Each test worker gets one database, migrated once and reset
 * (every table truncated) before each test; with Postgres each worker gets a database of
 * its own so that workers never truncate each other's rows.
 */
import { sql } from 'drizzle-orm';
import postgres from 'postgres';
import { type DatabaseHandle, openDatabase } from '../../src/db/client.ts';
import { migrateDatabase } from '../../src/db/migrate.ts';

export const serverUrl = (): string | undefined => process.env.TEST_DATABASE_URL || undefined;
export const engineName = (): 'postgres' | 'pglite' => (serverUrl() ? 'postgres' : 'pglite');

let shared: Promise<DatabaseHandle> | undefined;

/**
 * Every database a test run creates is named with this run's prefix, so two runs on one
 * server (two terminals, CI beside a developer) never drop each other's databases, and
 * the run's global teardown (global-setup.ts) drops exactly its own.
 */
export const runDatabasePrefix = (): string => `tdt${process.env.TOKENDESK_TEST_RUN ?? process.pid}_`;

/** Creates (or re-creates) a database on the test server and returns its URL. */
export const createServerDatabase = async (name: string): Promise<string> => {
  const base = serverUrl();
  if (!base) throw new Error('TEST_DATABASE_URL is not set');
  name = `${runDatabasePrefix()}${name}`.slice(0, 63);
  const admin = postgres(base, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`drop database if exists "${name}" with (force)`);
    await admin.unsafe(`create database "${name}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(base);
  url.pathname = `/${name}`;
  return url.toString();
};

const openShared = async (): Promise<DatabaseHandle> => {
  const base = serverUrl();
  const url = base
    ? await createServerDatabase(`tokendesk_test_w${process.env.VITEST_POOL_ID ?? '0'}`)
    : 'pglite:memory';
  const handle = await openDatabase(url);
  await migrateDatabase(handle);
  return handle;
};

/** The worker's shared database, reset to empty tables. */
export const getTestDatabase = async (): Promise<DatabaseHandle> => {
  shared ??= openShared();
  const handle = await shared;
  await resetDatabase(handle);
  return handle;
};

export const resetDatabase = async (handle: DatabaseHandle): Promise<void> => {
  const result = await handle.db.execute<{ tablename: string }>(
    sql`select tablename from pg_tables where schemaname = 'public'`,
  );
  const rows = (Array.isArray(result) ? result : (result as { rows: { tablename: string }[] }).rows) as {
    tablename: string;
  }[];
  if (rows.length === 0) return;
  const names = rows.map((r) => `"${r.tablename}"`).join(', ');
  await handle.db.execute(sql.raw(`truncate ${names} restart identity cascade`));
};

/** Rows of a raw `execute`, whichever driver produced them. */
export const rowsOf = <T>(result: unknown): T[] =>
  (Array.isArray(result) ? result : (result as { rows: T[] }).rows) as T[];
