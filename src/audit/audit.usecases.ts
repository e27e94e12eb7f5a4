import type { Database } from '../db/client.ts';
import type { Actor } from '../shared/actor.ts';
import type { UsersUseCases } from '../users/users.usecases.ts';
import type { AuditQuery, AuditRepository } from './audit.repository.ts';

export const createAuditUseCases = (deps: {
  db: Database;
  audit: AuditRepository;
  users: UsersUseCases;
}) => ({
  list: async (actor: Actor, query: AuditQuery) => {
    await deps.users.requireAdmin(actor, 'audit.list');
    return deps.audit.list(deps.db, query);
  },
});

export type AuditUseCases = ReturnType<typeof createAuditUseCases>;
