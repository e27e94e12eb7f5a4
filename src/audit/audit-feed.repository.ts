/**
 * The audit feed's outbox. Every audit event gets a row in audit_feed_deliveries (made
 * idempotently by any instance, keyed by the event id), and rows are claimed with a lease
 * and SKIP LOCKED exactly like reminders, so each event is posted by one instance once.
 *
 * Scheduling looks back over recent events (by `at`, through audit_events_at_idx) instead
 * of "ids above the last one seen": bigserial ids can commit out of order, and a cursor
 * would step over an event whose transaction committed late.
 */
import { and, asc, eq, inArray, isNull, lt, lte, or, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { Executor } from '../db/client.ts';
import { type AuditFeedDelivery, auditEvents, auditFeedDeliveries, users } from '../db/schema.ts';
import { at } from '../reminders/reminders.repository.ts';

const fd = auditFeedDeliveries;

const rowsOf = <T>(result: unknown): T[] =>
  (Array.isArray(result) ? result : ((result as { rows?: T[] }).rows ?? [])) as T[];

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

  claim: async (
    executor: Executor,
    options: { now: Date; leaseUntil: Date; limit: number },
  ): Promise<AuditFeedDelivery[]> => {
    const due = executor
      .select({ eventId: fd.eventId })
      .from(fd)
      .where(
        and(
          eq(fd.status, 'pending'),
          lte(fd.nextAttemptAt, options.now),
          or(isNull(fd.claimedUntil), lt(fd.claimedUntil, options.now)),
        ),
      )
      .orderBy(asc(fd.nextAttemptAt), asc(fd.eventId))
      .limit(options.limit)
      .for('update', { skipLocked: true });
    return executor
      .update(fd)
      .set({ claimedUntil: options.leaseUntil, attempts: sql`${fd.attempts} + 1` })
      .where(and(sql`${fd.eventId} in ${due}`, eq(fd.status, 'pending')))
      .returning();
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

  /** Final state; only rows still pending change, so a late duplicate finish is a no-op. */
  finish: async (
    executor: Executor,
    ids: readonly number[],
    change: { status: 'posted' | 'skipped'; at: Date; error?: string },
  ): Promise<number> => {
    if (ids.length === 0) return 0;
    const rows = await executor
      .update(fd)
      .set({
        status: change.status,
        postedAt: change.status === 'posted' ? change.at : null,
        claimedUntil: null,
        lastError: change.error?.slice(0, 500) ?? null,
      })
      .where(and(inArray(fd.eventId, [...ids]), eq(fd.status, 'pending')))
      .returning({ id: fd.eventId });
    return rows.length;
  },

  retry: async (
    executor: Executor,
    ids: readonly number[],
    change: { nextAttemptAt: Date; error: string },
  ) => {
    if (ids.length === 0) return;
    await executor
      .update(fd)
      .set({ nextAttemptAt: change.nextAttemptAt, claimedUntil: null, lastError: change.error.slice(0, 500) })
      .where(and(inArray(fd.eventId, [...ids]), eq(fd.status, 'pending')));
  },
});

export type AuditFeedRepository = ReturnType<typeof createAuditFeedRepository>;
