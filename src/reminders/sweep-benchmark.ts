/**
 * Measuring the sweep at scale: seeding many tokens in one statement, reading the
 * sweep's query plans, and timing one sweep over 100k active tokens. Used by the
 * index test and by the benchmark (`bench/`); never by the app.
 */
import { sql } from 'drizzle-orm';
import { createAuditRepository } from '../audit/audit.repository.ts';
import type { Database } from '../db/client.ts';
import { openDatabase } from '../db/client.ts';
import { migrateDatabase } from '../db/migrate.ts';
import type { Clock } from '../shared/clock.ts';
import { createReminderSweep } from './reminder-sweep.ts';
import { DELIVERED, type ReminderNotifier } from './reminders.models.ts';
import { at, createRemindersRepository } from './reminders.repository.ts';

const MINUTES_PER_YEAR = 525_600;

const rowsOf = <T>(result: unknown): T[] =>
  (Array.isArray(result) ? result : ((result as { rows?: T[] }).rows ?? [])) as T[];

/**
 * Inserts `count` active tokens owned by `ownerId` in one statement. Expiries are spread
 * over the year after `now` (a fixed pseudo-random walk, so runs are comparable); hashes
 * look like argon2id but are not (nothing verifies them). Then ANALYZE, as autovacuum would.
 */
export const seedActiveTokens = async (
  db: Database,
  options: { count: number; ownerId: string; now: Date; prefix?: string },
): Promise<void> => {
  const prefix = (options.prefix ?? 'b').slice(0, 1);
  await db.execute(sql`insert into api_tokens (id, name, secret_hash, owner_id, created_at, expires_at)
    select ${prefix} || lpad(to_hex(g), 11, '0'),
           'seeded token ' || g,
           '$argon2id$v=19$m=19456,t=2,p=1$' || substr(md5(g::text), 1, 22) || '$' || md5('h' || g::text),
           ${options.ownerId}::uuid,
           ${at(options.now)} - interval '1 day',
           ${at(options.now)} + make_interval(mins => ((g::bigint * 7919) % ${MINUTES_PER_YEAR})::int + 1)
    from generate_series(1, ${options.count}::int) g`);
  await db.execute(sql`analyze api_tokens`);
};

/** EXPLAIN of each query a sweep sends to Postgres, as plain text. */
export const explainSweep = async (
  db: Database,
  now: Date,
  offsets: readonly number[],
): Promise<{ schedule: string; claim: string; tokens: string }> => {
  const repo = createRemindersRepository();
  const plan = async (query: ReturnType<typeof sql>) =>
    rowsOf<Record<string, string>>(await db.execute(sql`explain ${query}`))
      .map((r) => Object.values(r)[0])
      .join('\n');
  const ids = rowsOf<{ id: string }>(await db.execute(sql`select id from api_tokens limit 25`)).map(
    (r) => r.id,
  );
  return {
    schedule: await plan(repo.scheduleQuery(now, offsets)),
    claim: await plan(repo.claimStatement(db, now, 25)),
    tokens: await plan(repo.tokensWithOwnersStatement(db, ids)),
  };
};

/** A notifier that delivers instantly: the benchmark measures our side, not Slack's. */
export const instantNotifier = (): ReminderNotifier & { count: () => number } => {
  let n = 0;
  return {
    remindOwner: async () => {
      n++;
      return DELIVERED;
    },
    escalate: async () => {
      n++;
      return DELIVERED;
    },
    // Nothing is ever in doubt with an instant notifier.
    findDelivered: async () => ({ kind: 'not_found' }),
    count: () => n,
  };
};

/**
 * One sweep over `count` active tokens, in steady state: a first sweep works off the
 * backlog of windows open at seeding time (as at a first deployment), the clock moves on
 * by one interval, and the sweep after that is the one timed — what every instance pays
 * every REMINDER_INTERVAL_SECONDS. The first sweep is reported too.
 */
export const measureReminderSweep = async (
  databaseUrl: string,
  options: { count?: number; intervalSeconds?: number; offsets?: readonly number[] } = {},
): Promise<{ sweepMs: number; tokens: number; firstSweepMs: number; firstSweepDelivered: number }> => {
  const count = options.count ?? 100_000;
  const offsets = options.offsets ?? [30, 7, 1];
  const handle = await openDatabase(databaseUrl);
  try {
    await migrateDatabase(handle);
    const db = handle.db;
    let now = new Date('2026-01-01T00:00:00Z');
    const clock: Clock = { now: () => now };
    const [owner] = rowsOf<{ id: string }>(
      await db.execute(sql`insert into users (email, created_at) values ('bench-owner@example.com', ${at(now)})
        on conflict do nothing returning id`),
    );
    if (!owner) throw new Error('the benchmark wants an empty database');
    await seedActiveTokens(db, { count, ownerId: owner.id, now });
    const notifier = instantNotifier();
    const sweep = createReminderSweep({
      db,
      clock,
      reminders: createRemindersRepository(),
      audit: createAuditRepository(),
      notifier,
      offsets,
      maxPerSweep: Number.MAX_SAFE_INTEGER,
    });
    const first = await sweep.run();
    await db.execute(sql`analyze reminder_deliveries`);
    now = new Date(now.getTime() + (options.intervalSeconds ?? 300) * 1000);
    const started = performance.now();
    await sweep.run();
    return {
      sweepMs: performance.now() - started,
      tokens: count,
      firstSweepMs: first.durationMs,
      firstSweepDelivered: first.sent + first.escalated,
    };
  } finally {
    await handle.close();
  }
};
