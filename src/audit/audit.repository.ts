import { and, asc, desc, eq, gt, lt, type SQL } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { Executor } from '../db/client.ts';
import { type AuditEvent, auditEvents, users } from '../db/schema.ts';

export type AuditAction =
  | 'user.created'
  | 'user.deactivated'
  | 'slack.identity_linked'
  | 'admin.granted'
  | 'admin.revoked'
  | 'token.generated'
  | 'token.revoked'
  | 'token.revoke_refused'
  | 'auth.refused'
  | 'reminder.sent'
  | 'reminder.escalated'
  | 'renewal.requested';

export interface NewAuditEvent {
  at: Date;
  actorId: string | null;
  actorLabel: string;
  action: AuditAction;
  subjectUserId?: string | null;
  tokenId?: string | null;
  details?: Record<string, unknown>;
}

export interface AuditQuery {
  limit: number;
  /** Keyset pagination: only events with a smaller id. */
  beforeId?: number | undefined;
  subjectUserId?: string | undefined;
}

/** An event with the e-mails of its actor and subject (for exports and the CLI). */
export interface AuditEventWithEmails extends AuditEvent {
  actorEmail: string | null;
  subjectEmail: string | null;
}

export interface AuditPageQuery {
  limit: number;
  subjectUserId?: string | undefined;
  /** Newest first, below `beforeId`; or oldest first, above `afterId` (exports). */
  order: { newest: true; beforeId?: number | undefined } | { newest: false; afterId: number };
}

export const createAuditRepository = () => ({
  record: async (executor: Executor, event: NewAuditEvent): Promise<AuditEvent> => {
    const [row] = await executor
      .insert(auditEvents)
      .values({
        at: event.at,
        actorId: event.actorId,
        actorLabel: event.actorLabel,
        action: event.action,
        subjectUserId: event.subjectUserId ?? null,
        tokenId: event.tokenId ?? null,
        details: event.details ?? {},
      })
      .returning();
    return row!;
  },

  list: async (executor: Executor, query: AuditQuery): Promise<AuditEvent[]> => {
    const filters: SQL[] = [];
    if (query.beforeId !== undefined) filters.push(lt(auditEvents.id, query.beforeId));
    if (query.subjectUserId !== undefined) filters.push(eq(auditEvents.subjectUserId, query.subjectUserId));
    return executor
      .select()
      .from(auditEvents)
      .where(filters.length > 0 ? and(...filters) : undefined)
      .orderBy(desc(auditEvents.id))
      .limit(query.limit);
  },

  /** One keyset page with e-mails joined in (the primary key orders and bounds it). */
  page: async (executor: Executor, query: AuditPageQuery): Promise<AuditEventWithEmails[]> => {
    const actor = alias(users, 'actor');
    const subject = alias(users, 'subject');
    const filters: SQL[] = [];
    if (query.subjectUserId !== undefined) filters.push(eq(auditEvents.subjectUserId, query.subjectUserId));
    if (query.order.newest && query.order.beforeId !== undefined)
      filters.push(lt(auditEvents.id, query.order.beforeId));
    if (!query.order.newest) filters.push(gt(auditEvents.id, query.order.afterId));
    const rows = await executor
      .select({ event: auditEvents, actorEmail: actor.email, subjectEmail: subject.email })
      .from(auditEvents)
      .leftJoin(actor, eq(actor.id, auditEvents.actorId))
      .leftJoin(subject, eq(subject.id, auditEvents.subjectUserId))
      .where(filters.length > 0 ? and(...filters) : undefined)
      .orderBy(query.order.newest ? desc(auditEvents.id) : asc(auditEvents.id))
      .limit(query.limit);
    return rows.map((r) => ({ ...r.event, actorEmail: r.actorEmail, subjectEmail: r.subjectEmail }));
  },
});

export type AuditRepository = ReturnType<typeof createAuditRepository>;
