/**
 * One round over an outbox: claim a batch, deliver it (outside any transaction), record
 * the outcome, repeat. A transient failure (Slack 5xx, 429, network) gives the batch back
 * with exponential backoff — stored in Postgres, so any instance retries it later — and
 * ends the round, since whatever failed this batch would fail the next one too. A
 * permanent failure skips the batch for good, with the error kept on the rows.
 */
import type { Database } from '../db/client.ts';
import { retryDelayMs } from '../reminders/reminder-schedule.ts';
import type { DeliveryOutcome } from '../reminders/reminders.models.ts';
import type { Clock } from '../shared/clock.ts';
import type { Logger } from '../shared/logger.ts';
import type { Claimed, OutboxQueries } from './outbox.repository.ts';

export interface DrainSummary {
  delivered: number;
  skipped: number;
  retried: number;
  /** Batches delivered (messages, when a batch is one message). */
  batches: number;
}

export interface DrainOptions {
  batchSize: number;
  maxPerRun: number;
  leaseMs: number;
}

export interface DrainDeps extends DrainOptions {
  db: Database;
  clock: Clock;
  queries: OutboxQueries;
  /** What the outbox holds, for log lines ("audit feed", "offboarding notice"). */
  name: string;
  logger?: Logger | undefined;
  /** Delivers one claimed batch; a throw counts as a transient failure. */
  deliver: (batch: readonly Claimed[]) => Promise<DeliveryOutcome>;
}

const errorText = (error: unknown) => (error instanceof Error ? error.message : String(error));

export const drainOutbox = async (
  deps: DrainDeps,
  control: { shouldStop?: () => boolean } = {},
): Promise<DrainSummary> => {
  const { db, clock, queries } = deps;
  const summary: DrainSummary = { delivered: 0, skipped: 0, retried: 0, batches: 0 };
  let handled = 0;
  while (!(control.shouldStop?.() ?? false) && handled < deps.maxPerRun) {
    const now = clock.now();
    const limit = Math.min(deps.batchSize, deps.maxPerRun - handled);
    const batch = await queries.claim(db, { now, leaseMs: deps.leaseMs, limit });
    if (batch.length === 0) break;
    handled += batch.length;
    const keys = batch.map((r) => r.key);
    let outcome: DeliveryOutcome;
    try {
      outcome = await deps.deliver(batch);
    } catch (error) {
      outcome = { ok: false, permanent: false, error: errorText(error) };
    }
    if (outcome.ok) {
      summary.delivered += await queries.finish(db, keys, { status: 'done', at: clock.now() });
      summary.batches += 1;
    } else if (outcome.permanent) {
      deps.logger?.error(`${deps.name}: Slack refused it for good; skipping`, {
        keys,
        error: outcome.error,
      });
      summary.skipped += await queries.finish(db, keys, {
        status: 'skipped',
        at: clock.now(),
        error: outcome.error,
      });
    } else {
      const attempts = Math.max(...batch.map((r) => r.attempts));
      const delay = retryDelayMs(attempts, outcome.retryAfterMs);
      await queries.retry(db, keys, {
        nextAttemptAt: new Date(clock.now().getTime() + delay),
        error: outcome.error,
      });
      summary.retried += keys.length;
      deps.logger?.warn(`${deps.name}: delivery failed; will retry`, {
        error: outcome.error,
        retryInMs: delay,
      });
      break;
    }
    if (batch.length < limit) break;
  }
  return summary;
};
