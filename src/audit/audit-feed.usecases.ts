/**
 * The audit feed: every audit event is also posted to the admin channel, once, by one
 * instance, in batches (one message per claimed batch keeps a burst such as an offboarding
 * from flooding the channel). Delivery goes through an `AuditFeedPublisher`; the Slack
 * adapter implements it. Audit events never hold secrets, and the view redacts anything
 * shaped like one all the same.
 */
import type { Database } from '../db/client.ts';
import { retryDelayMs } from '../reminders/reminder-schedule.ts';
import type { DeliveryOutcome } from '../reminders/reminders.models.ts';
import type { Clock } from '../shared/clock.ts';
import type { Logger } from '../shared/logger.ts';
import type { AuditFeedRepository, FeedEvent } from './audit-feed.repository.ts';

export interface AuditFeedPublisher {
  publish(events: readonly FeedEvent[]): Promise<DeliveryOutcome>;
}

/** The feed is live news, not an export: events older than this when first seen are not posted. */
export const FEED_LOOKBACK_MS = 24 * 60 * 60 * 1000;

export interface FeedSummary {
  scheduled: number;
  posted: number;
  skipped: number;
  retried: number;
  messages: number;
}

export interface AuditFeedDeps {
  db: Database;
  clock: Clock;
  feed: AuditFeedRepository;
  logger?: Logger | undefined;
  batchSize?: number;
  maxPerRun?: number;
  leaseMs?: number;
}

export const createAuditFeed = (deps: AuditFeedDeps) => {
  const { db, clock, feed } = deps;
  const batchSize = deps.batchSize ?? 20;
  const maxPerRun = deps.maxPerRun ?? 200;
  const leaseMs = deps.leaseMs ?? 120_000;

  const run = async (
    publisher: AuditFeedPublisher,
    control: { shouldStop?: () => boolean } = {},
  ): Promise<FeedSummary> => {
    const summary: FeedSummary = { scheduled: 0, posted: 0, skipped: 0, retried: 0, messages: 0 };
    const start = clock.now();
    try {
      summary.scheduled = await feed.schedule(db, start, new Date(start.getTime() - FEED_LOOKBACK_MS));
    } catch (error) {
      deps.logger?.warn('audit feed scheduling failed; posting what is already queued', error);
    }
    let handled = 0;
    while (!(control.shouldStop?.() ?? false) && handled < maxPerRun) {
      const now = clock.now();
      const limit = Math.min(batchSize, maxPerRun - handled);
      const batch = await feed.claim(db, { now, leaseUntil: new Date(now.getTime() + leaseMs), limit });
      if (batch.length === 0) break;
      handled += batch.length;
      const ids = batch.map((r) => r.eventId);
      const events = await feed.events(db, ids);
      let outcome: DeliveryOutcome;
      try {
        outcome = await publisher.publish(events);
      } catch (error) {
        outcome = {
          ok: false,
          permanent: false,
          error: error instanceof Error ? error.message : String(error),
        };
      }
      if (outcome.ok) {
        summary.posted += await feed.finish(db, ids, { status: 'posted', at: clock.now() });
        summary.messages += 1;
      } else if (outcome.permanent) {
        deps.logger?.error('audit feed: Slack refused a batch for good; skipping it', {
          events: ids,
          error: outcome.error,
        });
        summary.skipped += await feed.finish(db, ids, {
          status: 'skipped',
          at: clock.now(),
          error: outcome.error,
        });
      } else {
        const attempts = Math.max(...batch.map((r) => r.attempts));
        const delay = retryDelayMs(attempts, outcome.retryAfterMs);
        await feed.retry(db, ids, {
          nextAttemptAt: new Date(clock.now().getTime() + delay),
          error: outcome.error,
        });
        summary.retried += ids.length;
        deps.logger?.warn('audit feed post failed; will retry', { error: outcome.error, retryInMs: delay });
        // Whatever failed this batch would fail the next one too.
        break;
      }
      if (batch.length < limit) break;
    }
    return summary;
  };

  return { run };
};

export type AuditFeed = ReturnType<typeof createAuditFeed>;
