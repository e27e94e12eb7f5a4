/**
 * The audit feed: every audit event is also posted to the admin channel, once, by one
 * instance, in batches (one message per claimed batch keeps a burst such as an offboarding
 * from flooding the channel). Delivery goes through an `AuditFeedPublisher`; the Slack
 * adapter implements it. Audit events never hold secrets, and the view redacts anything
 * shaped like one all the same.
 */
import type { Database } from '../db/client.ts';
import { drainOutbox } from '../outbox/outbox-drain.ts';
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
    const drained = await drainOutbox(
      {
        db,
        clock,
        queries: feed,
        name: 'audit feed',
        logger: deps.logger,
        batchSize,
        maxPerRun,
        leaseMs,
        deliver: async (batch) =>
          publisher.publish(
            await feed.events(
              db,
              batch.map((r) => r.key),
            ),
          ),
      },
      control,
    );
    summary.posted = drained.delivered;
    summary.skipped = drained.skipped;
    summary.retried = drained.retried;
    summary.messages = drained.batches;
    return summary;
  };

  return { run };
};

export type AuditFeed = ReturnType<typeof createAuditFeed>;
