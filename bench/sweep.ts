/**
 * (d) One reminder sweep over 100k active tokens (src/reminders/sweep-benchmark.ts): the
 * first sweep, which works off the backlog of every reminder window already open when the
 * tokens appear (as at a first deployment), and the steady-state sweep one interval later,
 * which is what every instance pays every REMINDER_INTERVAL_SECONDS. Then the query plans
 * of that steady-state sweep, read from the same database, to show the indexes at work.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { openDatabase, rowsOf } from '../src/db/client.ts';
import { explainSweep, measureReminderSweep } from '../src/reminders/sweep-benchmark.ts';

const TOKENS = 100_000;
const OFFSETS = [30, 7, 1];
const INTERVAL_SECONDS = 300;
/** measureReminderSweep's own clock: seeded at this instant, the steady sweep one interval later. */
const STEADY_NOW = new Date(Date.parse('2026-01-01T00:00:00Z') + INTERVAL_SECONDS * 1000);

export interface SweepMeasure {
  tokens: number;
  firstSweepMs: number;
  firstSweepDelivered: number;
  sweepMs: number;
  /** Reminder rows by status after both sweeps. */
  deliveries: Record<string, number>;
  plans: { schedule: string; claim: string; tokens: string };
  usesIndexes: { schedule: boolean; claim: boolean; tokens: boolean };
}

export const measureSweep = async (databaseUrl: string): Promise<SweepMeasure> => {
  // An in-memory PGlite is gone once the measurement closes it; a folder outlives it.
  const folder =
    databaseUrl === 'pglite:memory' ? mkdtempSync(join(tmpdir(), 'tokendesk-bench-d-')) : undefined;
  const url = folder ? `pglite:${folder}` : databaseUrl;
  try {
    const measured = await measureReminderSweep(url, {
      count: TOKENS,
      intervalSeconds: INTERVAL_SECONDS,
      offsets: OFFSETS,
    });
    const handle = await openDatabase(url);
    try {
      const plans = await explainSweep(handle.db, STEADY_NOW, OFFSETS);
      const statuses = rowsOf<{ status: string; n: number }>(
        await handle.db.execute(
          sql`select status, count(*)::int as n from reminder_deliveries group by status`,
        ),
      );
      return {
        ...measured,
        deliveries: Object.fromEntries(statuses.map((r) => [r.status, r.n])),
        plans,
        usesIndexes: {
          schedule:
            plans.schedule.includes('api_tokens_active_expiry_idx') &&
            !/Seq Scan on api_tokens/.test(plans.schedule),
          claim: plans.claim.includes('reminder_deliveries_pending_idx'),
          tokens: plans.tokens.includes('api_tokens_pkey'),
        },
      };
    } finally {
      await handle.close();
    }
  } finally {
    if (folder) rmSync(folder, { recursive: true, force: true });
  }
};
