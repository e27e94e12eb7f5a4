import type { Database } from '../db/client.ts';
import type { Actor } from '../shared/actor.ts';
import type { UsersUseCases } from '../users/users.usecases.ts';
import type { AuditEventWithEmails, AuditQuery, AuditRepository } from './audit.repository.ts';

/** Events per page of an export: what one page costs in memory, however long the trail. */
export const EXPORT_PAGE_SIZE = 500;

export const createAuditUseCases = (deps: {
  db: Database;
  audit: AuditRepository;
  users: UsersUseCases;
}) => ({
  list: async (actor: Actor, query: AuditQuery) => {
    await deps.users.requireAdmin(actor, 'audit.list');
    return deps.audit.list(deps.db, query);
  },

  /** The newest events (below `beforeId`), with e-mails. */
  latest: async (
    actor: Actor,
    query: { limit: number; beforeId?: number | undefined; subjectUserId?: string | undefined },
  ): Promise<AuditEventWithEmails[]> => {
    await deps.users.requireAdmin(actor, 'audit.list');
    return deps.audit.page(deps.db, {
      limit: query.limit,
      subjectUserId: query.subjectUserId,
      order: { newest: true, beforeId: query.beforeId },
    });
  },

  /**
   * Every event (of one subject, when given), oldest first, handed to `onPage` a page at a
   * time: memory stays one page however long the trail, and `onPage` may wait (a slow
   * reader) before the next page is read. All pages come from one read-only snapshot, so an
   * event committed meanwhile is neither half-included nor skipped over.
   */
  exportAll: async (
    actor: Actor,
    filter: { subjectUserId?: string | undefined },
    onPage: (events: AuditEventWithEmails[]) => Promise<void>,
  ): Promise<number> => {
    await deps.users.requireAdmin(actor, 'audit.export');
    return deps.db.transaction(
      async (tx) => {
        let count = 0;
        let afterId = 0;
        for (;;) {
          const page = await deps.audit.page(tx, {
            limit: EXPORT_PAGE_SIZE,
            subjectUserId: filter.subjectUserId,
            order: { newest: false, afterId },
          });
          if (page.length > 0) await onPage(page);
          count += page.length;
          if (page.length < EXPORT_PAGE_SIZE) return count;
          afterId = page.at(-1)!.id;
        }
      },
      { isolationLevel: 'repeatable read', accessMode: 'read only' },
    );
  },
});

export type AuditUseCases = ReturnType<typeof createAuditUseCases>;
