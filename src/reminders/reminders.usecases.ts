/**
 * The reminder module's entry points for the edges: building a sweep around a notifier,
 * an owner's "Request a new token", and who the admins are on Slack.
 */
import type { AuditRepository } from '../audit/audit.repository.ts';
import type { Database } from '../db/client.ts';
import type { Actor } from '../shared/actor.ts';
import type { Clock } from '../shared/clock.ts';
import { AppError } from '../shared/errors.ts';
import type { Logger } from '../shared/logger.ts';
import { summarize, type TokenSummary } from '../tokens/tokens.models.ts';
import type { TokensRepository } from '../tokens/tokens.repository.ts';
import type { UsersRepository } from '../users/users.repository.ts';
import type { UsersUseCases } from '../users/users.usecases.ts';
import { createReminderSweep, type SweepOptions } from './reminder-sweep.ts';
import type { ReminderNotifier, SlackAddress } from './reminders.models.ts';
import type { RemindersRepository } from './reminders.repository.ts';

/** A second click within this time tells the owner it is in hand instead of pinging the admins again. */
export const RENEWAL_REPEAT_WINDOW_MS = 60 * 60 * 1000;

export interface RemindersDeps {
  db: Database;
  clock: Clock;
  reminders: RemindersRepository;
  tokens: TokensRepository;
  users: UsersRepository;
  audit: AuditRepository;
  usersUseCases: UsersUseCases;
  /** REMINDER_DAYS. */
  offsets: readonly number[];
}

export type RenewalOutcome =
  | { outcome: 'requested'; token: TokenSummary; at: Date }
  | { outcome: 'already_requested'; token: TokenSummary; at: Date };

export const createRemindersUseCases = (deps: RemindersDeps) => {
  const { db, clock } = deps;

  return {
    /** A sweep that delivers through `notifier`; each instance builds one and runs it on a timer. */
    createSweep: (notifier: ReminderNotifier, options: SweepOptions & { logger?: Logger } = {}) =>
      createReminderSweep({
        ...options,
        db,
        clock,
        reminders: deps.reminders,
        audit: deps.audit,
        notifier,
        offsets: deps.offsets,
      }),

    /**
     * The owner (or an admin) asks for a replacement token. Audited as `renewal.requested`;
     * the caller tells the admins only for a fresh request, so repeated clicks (on any
     * instance: the check runs under a per-token advisory lock) do not spam them.
     */
    requestRenewal: async (actor: Actor, tokenId: string): Promise<RenewalOutcome> => {
      const who = await deps.usersUseCases.loadActor(actor);
      const found = await deps.tokens.findWithOwner(db, tokenId);
      const allowed = found && (who === 'operator' || who.role === 'admin' || found.owner.id === who.id);
      // Someone else's token reads as unknown, like everywhere else.
      if (!found || !allowed) throw new AppError('tokens.not_found', 'No such token');
      const now = clock.now();
      const token = summarize(found.token, found.owner, now);
      return db.transaction(async (tx) => {
        await deps.reminders.lockRenewal(tx, tokenId);
        const previous = await deps.reminders.lastRenewalRequest(
          tx,
          tokenId,
          new Date(now.getTime() - RENEWAL_REPEAT_WINDOW_MS),
        );
        if (previous) return { outcome: 'already_requested', token, at: previous };
        await deps.audit.record(tx, {
          at: now,
          actorId: actor.kind === 'user' ? actor.userId : null,
          actorLabel: actor.label,
          action: 'renewal.requested',
          subjectUserId: found.owner.id,
          tokenId,
          details: { name: found.token.name, expiresAt: found.token.expiresAt.toISOString() },
        });
        return { outcome: 'requested', token, at: now };
      });
    },

    /** Where admins can be DMed: the first Slack identity of each active admin. */
    adminSlackAddresses: async (): Promise<SlackAddress[]> => {
      const admins = await deps.users.listAdmins(db);
      const addresses = await deps.reminders.slackAddresses(
        db,
        admins.map((a) => a.id),
      );
      return admins.flatMap((a) => addresses.get(a.id)?.slice(0, 1) ?? []);
    },
  };
};

export type RemindersUseCases = ReturnType<typeof createRemindersUseCases>;
