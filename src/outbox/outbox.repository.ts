/**
 * The SQL every outbox shares (the audit feed's, the offboarding notices'): rows wait as
 * `pending` with a `next_attempt_at`; any instance claims a batch of due rows with a lease
 * (`claimed_until`, set and compared by the database's clock, so instances whose clocks
 * disagree never take each other's rows) under FOR UPDATE SKIP LOCKED, so concurrent instances
 * get disjoint batches and a crashed one's lease simply runs out; a final UPDATE only changes a row still pending,
 * so a late duplicate finish is a no-op. One short statement each, never across a Slack call.
 *
 * An outbox table has a numeric key column and `status`, `attempts`, `next_attempt_at`,
 * `claimed_until`, `last_error` and a "done at" column, with the pending rows indexed by
 * `next_attempt_at`.
 */
import { getTableName, type SQL, sql } from 'drizzle-orm';
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core';
import { type Executor, rowsOf } from '../db/client.ts';
import { at, leaseEnd } from '../reminders/reminders.repository.ts';

export interface OutboxTable {
  table: PgTable;
  /** A bigint/bigserial key (mode: number). */
  key: PgColumn;
  /** Set when a row is delivered. */
  doneAt: PgColumn;
  /** The status a delivered row gets (`posted`, `sent` …). */
  doneStatus: string;
}

export interface Claimed {
  key: number;
  /** Attempts including this one. */
  attempts: number;
}

const keyList = (keys: readonly number[]): SQL =>
  sql.join(
    keys.map((k) => sql`${k}`),
    sql`, `,
  );

export const createOutboxQueries = (spec: OutboxTable) => {
  const table = sql.identifier(getTableName(spec.table));
  const key = sql.identifier(spec.key.name);
  const doneAt = sql.identifier(spec.doneAt.name);

  return {
    /**
     * Leases up to `limit` rows due at `now` (the injected clock decides what is due) to the
     * caller for `leaseMs` of database time, oldest due first.
     */
    claim: async (
      executor: Executor,
      options: { now: Date; leaseMs: number; limit: number },
    ): Promise<Claimed[]> => {
      const now = at(options.now);
      const rows = rowsOf<{ key: number | string; attempts: number | string }>(
        await executor.execute(sql`update ${table}
          set claimed_until = ${leaseEnd(options.leaseMs)}, attempts = attempts + 1
          where status = 'pending' and ${key} in (
            select ${key} from ${table}
            where status = 'pending' and next_attempt_at <= ${now}
              and (claimed_until is null or claimed_until < now())
            order by next_attempt_at, ${key}
            limit ${options.limit}
            for update skip locked)
          returning ${key} as key, attempts`),
      );
      return rows
        .map((r) => ({ key: Number(r.key), attempts: Number(r.attempts) }))
        .sort((a, b) => a.key - b.key);
    },

    /** Final state; only rows still pending change. Returns how many did. */
    finish: async (
      executor: Executor,
      keys: readonly number[],
      change: { status: 'done' | 'skipped'; at: Date; error?: string | undefined },
    ): Promise<number> => {
      if (keys.length === 0) return 0;
      const status = change.status === 'done' ? spec.doneStatus : 'skipped';
      const rows = rowsOf(
        await executor.execute(sql`update ${table}
          set status = ${status}, ${doneAt} = ${change.status === 'done' ? at(change.at) : null},
              claimed_until = null, last_error = ${change.error?.slice(0, 500) ?? null}
          where ${key} in (${keyList(keys)}) and status = 'pending'
          returning ${key}`),
      );
      return rows.length;
    },

    /** Gives rows back for a later attempt. */
    retry: async (
      executor: Executor,
      keys: readonly number[],
      change: { nextAttemptAt: Date; error: string },
    ): Promise<void> => {
      if (keys.length === 0) return;
      await executor.execute(sql`update ${table}
        set next_attempt_at = ${at(change.nextAttemptAt)}, claimed_until = null,
            last_error = ${change.error.slice(0, 500)}
        where ${key} in (${keyList(keys)}) and status = 'pending'`);
    },
  };
};

export type OutboxQueries = ReturnType<typeof createOutboxQueries>;
