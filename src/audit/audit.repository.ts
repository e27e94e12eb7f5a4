import { and, desc, eq, lt, type SQL } from 'drizzle-orm';
import type { Executor } from '../db/client.ts';
import { type AuditEvent, auditEvents } from '../db/schema.ts';

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
});

export type AuditRepository = ReturnType<typeof createAuditRepository>;
