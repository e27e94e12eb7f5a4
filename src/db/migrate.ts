/**
 * Applies the migrations generated into drizzle/. Idempotent, and safe when several
 * instances start together against one Postgres: the whole run holds a session-level
 * advisory lock, so the second instance waits and then finds nothing left to do.
 */
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import type { DatabaseHandle } from './client.ts';

export const MIGRATIONS_FOLDER = fileURLToPath(new URL('../../drizzle', import.meta.url));

/** Arbitrary but fixed: "tokendesk" as a 64-bit number would do; any constant shared by all instances works. */
const MIGRATION_LOCK_KEY = 7_305_426_118_223_001;

export const migrateDatabase = async (handle: DatabaseHandle): Promise<void> => {
  if (handle.kind === 'pglite') {
    // One process owns a PGlite folder, but the lock keeps the code path identical.
    await handle.db.execute(sql`select pg_advisory_lock(${MIGRATION_LOCK_KEY})`);
    try {
      // biome-ignore lint/suspicious/noExplicitAny: drizzle's per-driver migrator wants its own db type.
      await migratePglite(handle.db as any, { migrationsFolder: MIGRATIONS_FOLDER });
    } finally {
      await handle.db.execute(sql`select pg_advisory_unlock(${MIGRATION_LOCK_KEY})`);
    }
    return;
  }
  // A dedicated single-connection client: a session-level advisory lock belongs to one connection,
  // and every statement of the migrator must run on that same connection.
  const client = postgres(handle.url, { max: 1, onnotice: () => {} });
  try {
    await client`select pg_advisory_lock(${MIGRATION_LOCK_KEY})`;
    try {
      await migratePostgres(drizzlePostgres({ client }), { migrationsFolder: MIGRATIONS_FOLDER });
    } finally {
      await client`select pg_advisory_unlock(${MIGRATION_LOCK_KEY})`;
    }
  } finally {
    await client.end({ timeout: 5 });
  }
};
