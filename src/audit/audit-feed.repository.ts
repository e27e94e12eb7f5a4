/**
 * The audit feed's outbox. Every audit event gets a row in audit_feed_deliveries (made
 * idempotently by any instance, keyed by the event id), and rows are claimed with a lease
 * and SKIP LOCKED (the shared outbox queries, src/outbox), so each event is posted by one
 * instance once.
 *
 * Scheduling looks back over recent events (by `at`, through audit_events_at_idx) instead
 * of "ids above the last one seen": bigserial ids can commit out of order, and a cursor
 * would step over an event whose transaction committed late.
 */
import { asc, eq, inArray, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import { type Executor, rowsOf } from '../db/client.ts';
import { auditEvents, auditFeedDeliveries, users } from '../db/schema.ts';
import { createOutboxQueries } from '../outbox/outbox.repository.ts';
import { at } from '../reminders/reminders.repository.ts';

export interface FeedEvent {
  id: number;
  at: Date;
  action: string;
  actorLabel: string;
  actorEmail: string | null;
  subjectEmail: string | null;
  tokenId: string | null;
  details: Record<string, unknown>;
}

export const createAuditFeedRepository = () => ({
  /** Creates outbox rows for events since `since` that have none; returns how many. */
  schedule: async (executor: Executor, now: Date, since: Date): Promise<number> => {
    const result = await executor.execute(sql`insert into audit_feed_deliveries (event_id, next_attempt_at)
      select e.id, ${at(now)} from audit_events e
      where e.at > ${at(since)}
        and not exists (select 1 from audit_feed_deliveries d where d.event_id = e.id)
      order by e.id
      on conflict do nothing
      returning event_id`);
    return rowsOf(result).length;
  },

  /** The events, oldest first, with the e-mails of actor and subject. */
  events: async (executor: Executor, ids: readonly number[]): Promise<FeedEvent[]> => {
    if (ids.length === 0) return [];
    const actor = alias(users, 'actor');
    const subject = alias(users, 'subject');
    const rows = await executor
      .select({ event: auditEvents, actorEmail: actor.email, subjectEmail: subject.email })
      .from(auditEvents)
      .leftJoin(actor, eq(actor.id, auditEvents.actorId))
      .leftJoin(subject, eq(subject.id, auditEvents.subjectUserId))
      .where(inArray(auditEvents.id, [...ids]))
      .orderBy(asc(auditEvents.id));
    return rows.map((r) => ({
      id: r.event.id,
      at: r.event.at,
      action: r.event.action,
      actorLabel: r.event.actorLabel,
      actorEmail: r.actorEmail,
      subjectEmail: r.subjectEmail,
      tokenId: r.event.tokenId,
      details: r.event.details,
    }));
  },

  /** claim, finish and retry, as every outbox has them. */
  ...createOutboxQueries({
    table: auditFeedDeliveries,
    key: auditFeedDeliveries.eventId,
    doneAt: auditFeedDeliveries.postedAt,
    doneStatus: 'posted',
  }),
});

export type AuditFeedRepository = ReturnType<typeof createAuditFeedRepository>;
