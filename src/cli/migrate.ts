/** `tokendesk migrate`: every command migrates first, so this one only reports what happened. */
import { sql } from 'drizzle-orm';
import type { DatabaseHandle } from '../db/client.ts';
import { describeDatabaseUrl } from '../db/client.ts';
import type { Command } from './command.ts';

const rowsOf = <T>(result: unknown): T[] =>
  (Array.isArray(result) ? result : (result as { rows: T[] }).rows) as T[];

/** How many migrations drizzle has recorded as applied (0 on a fresh database). */
export const appliedMigrations = async (handle: DatabaseHandle): Promise<number> => {
  const [found] = rowsOf<{ t: string | null }>(
    await handle.db.execute(sql`select to_regclass('drizzle.__drizzle_migrations')::text as t`),
  );
  if (!found?.t) return 0;
  const [counted] = rowsOf<{ n: number | string }>(
    await handle.db.execute(sql`select count(*)::int as n from drizzle.__drizzle_migrations`),
  );
  return Number(counted?.n ?? 0);
};

export const migrateCommands: Command[] = [
  {
    name: 'migrate',
    summary: 'Apply pending database migrations (every command also does this first)',
    run: async (ctx) => {
      const { before, after } = ctx.migrations;
      const where = describeDatabaseUrl(ctx.config.databaseUrl);
      const applied = after - before;
      ctx.out(
        applied > 0
          ? `Applied ${applied} migration${applied === 1 ? '' : 's'}; ${where} is up to date.`
          : `Nothing to do; ${where} is up to date.`,
      );
    },
  },
];
