/**
 * One reminder sweep: schedule the rows of windows that opened, then claim due rows in
 * batches, deliver each outside any transaction, and record the result.
 *
 * Exactly once comes from Postgres, not from this process: the primary key makes
 * scheduling idempotent, the lease taken with SKIP LOCKED gives each row to one sweep at a
 * time (renewed, on condition it is still ours, just before each delivery), and the final
 * UPDATE only succeeds on a row still pending.
 *
 * Two at-least-once gaps remain, both as narrow as one round-trip: a crash between Slack's
 * answer and the commit of that UPDATE (a short local transaction right after the call)
 * lets the lease run out and the DM go again; and a call that times out after Slack
 * accepted it is retried like any other failure.
 */
import type { AuditRepository } from '../audit/audit.repository.ts';
import type { Database } from '../db/client.ts';
import type { ApiToken, ReminderDelivery, User } from '../db/schema.ts';
import type { Clock } from '../shared/clock.ts';
import type { Logger } from '../shared/logger.ts';
import { currentKind, daysLeft, type ReminderKind, retryDelayMs } from './reminder-schedule.ts';
import {
  type DeliveryOutcome,
  type EscalationReason,
  emptySummary,
  type Reminder,
  type ReminderNotifier,
  type SweepSummary,
} from './reminders.models.ts';
import type { ClaimKey, RemindersRepository } from './reminders.repository.ts';

export const REMINDER_ACTOR_LABEL = 'system:reminders';

export interface SweepOptions {
  /** Rows claimed per batch. */
  batchSize?: number;
  /** Most rows one sweep handles; the rest wait for the next sweep (a sweep stays short). */
  maxPerSweep?: number;
  /**
   * How long a claim is exclusive, timed by the database's clock (REMINDER_LEASE_SECONDS).
   * Far above the Slack client's timeout (a few calls of at most 10 s), so a live instance
   * is never overtaken; a dead one's rows wait this long.
   */
  leaseMs?: number;
}

export interface SweepDeps extends SweepOptions {
  db: Database;
  clock: Clock;
  reminders: RemindersRepository;
  audit: AuditRepository;
  notifier: ReminderNotifier;
  offsets: readonly number[];
  logger?: Logger | undefined;
}

/** Lets the caller ask a running sweep to stop after the delivery in flight. */
export interface SweepControl {
  shouldStop?: () => boolean;
}

type Claimed = { row: ReminderDelivery; found: { token: ApiToken; owner: User } | undefined };

type Result = 'sent' | 'escalated' | 'skipped' | 'retried' | 'lost';

/** The row as this sweep's claim holds it: every write for it is conditional on the claim id. */
const claimOf = (row: ReminderDelivery): ClaimKey => ({
  tokenId: row.tokenId,
  kind: row.kind,
  claimId: row.claimId ?? '',
});

/** A notifier that throws is treated like a transient failure: the row is retried. */
const attempt = async (call: () => Promise<DeliveryOutcome>): Promise<DeliveryOutcome> => {
  try {
    return await call();
  } catch (error) {
    return { ok: false, permanent: false, error: error instanceof Error ? error.message : String(error) };
  }
};

export const createReminderSweep = (deps: SweepDeps) => {
  const { db, clock, reminders, audit, notifier, offsets } = deps;
  const batchSize = deps.batchSize ?? 25;
  const maxPerSweep = deps.maxPerSweep ?? 500;
  const leaseMs = deps.leaseMs ?? 120_000;

  /**
   * The lease ran out and another claim has the row: whatever this sweep found out is
   * dropped, and the new holder decides (it sees an attempt in doubt and looks first).
   */
  const lostLease = (row: ReminderDelivery, outcome: string): { result: Result } => {
    deps.logger?.warn('reminder lease lost before its outcome was recorded; outcome discarded', {
      tokenId: row.tokenId,
      kind: row.kind,
      outcome,
    });
    return { result: 'lost' };
  };

  /** Records the final state; false when this claim no longer holds the row. */
  const finish = async (
    claimed: Claimed,
    status: 'sent' | 'escalated' | 'skipped',
    extra: { error?: string; reason?: EscalationReason } = {},
  ): Promise<boolean> => {
    const { row, found } = claimed;
    const at = clock.now();
    return db.transaction(async (tx) => {
      const changed = await reminders.complete(tx, claimOf(row), { status, at, error: extra.error ?? null });
      // Skips are bookkeeping, not events anyone acts on; sends and escalations are audited.
      if (!changed || status === 'skipped' || !found) return changed;
      await audit.record(tx, {
        at,
        actorId: null,
        actorLabel: REMINDER_ACTOR_LABEL,
        action: status === 'sent' ? 'reminder.sent' : 'reminder.escalated',
        subjectUserId: found.owner.id,
        tokenId: row.tokenId,
        details: {
          kind: row.kind,
          name: found.token.name,
          ...(extra.reason
            ? { reason: extra.reason.kind === 'slack_error' ? extra.reason.error : extra.reason.kind }
            : {}),
        },
      });
      return true;
    });
  };

  /** Gives the row back for a later attempt; false when this claim no longer holds it. */
  const retry = async (
    row: ReminderDelivery,
    outcome: Extract<DeliveryOutcome, { ok: false }>,
  ): Promise<boolean> => {
    const delay = retryDelayMs(row.attempts, outcome.retryAfterMs);
    const ours = await reminders.retry(db, claimOf(row), {
      nextAttemptAt: new Date(clock.now().getTime() + delay),
      error: outcome.error,
    });
    if (!ours) return false;
    deps.logger?.warn('reminder delivery failed; will retry', {
      tokenId: row.tokenId,
      kind: row.kind,
      attempts: row.attempts,
      error: outcome.error,
      retryInMs: delay,
    });
    return true;
  };

  /** Delivers one claimed row; returns what happened and, on a rate limit, how long to pause. */
  const deliver = async (
    claimed: Claimed,
    addresses: Map<string, { teamId: string; slackUserId: string }[]>,
  ): Promise<{ result: Result; pauseMs?: number }> => {
    const { row, found } = claimed;
    const now = clock.now();
    // Checked at claim time, not only when scheduled: the token may have been revoked since.
    if (!found || found.token.revokedAt || found.owner.deactivatedAt) {
      const ours = await finish(claimed, 'skipped', { error: !found ? 'token_missing' : 'token_revoked' });
      return ours ? { result: 'skipped' } : lostLease(row, 'skipped');
    }
    // A nearer window has opened while this row waited (retries, downtime): the nearer one wins.
    if (currentKind(found.token.expiresAt, now, offsets) !== (row.kind as ReminderKind)) {
      const ours = await finish(claimed, 'skipped', { error: 'superseded' });
      return ours ? { result: 'skipped' } : lostLease(row, 'superseded');
    }
    const reminder: Reminder = {
      kind: row.kind as ReminderKind,
      token: {
        id: found.token.id,
        name: found.token.name,
        createdAt: found.token.createdAt,
        expiresAt: found.token.expiresAt,
      },
      owner: { id: found.owner.id, email: found.owner.email, name: found.owner.displayName },
      daysLeft: daysLeft(found.token.expiresAt, now),
    };

    const to = addresses.get(found.owner.id) ?? [];
    let reason: EscalationReason = { kind: 'no_slack_identity' };
    if (to.length > 0) {
      const outcome = await attempt(() => notifier.remindOwner(to, reminder));
      if (outcome.ok) {
        return (await finish(claimed, 'sent')) ? { result: 'sent' } : lostLease(row, 'sent');
      }
      if (!outcome.permanent) {
        if (!(await retry(row, outcome))) return lostLease(row, `failed: ${outcome.error}`);
        return { result: 'retried', ...(outcome.retryAfterMs ? { pauseMs: outcome.retryAfterMs } : {}) };
      }
      reason = { kind: 'slack_error', error: outcome.error };
    }

    const escalated = await attempt(() => notifier.escalate(reminder, reason));
    if (escalated.ok) {
      const ours = await finish(claimed, 'escalated', {
        reason,
        error: reason.kind === 'slack_error' ? reason.error : reason.kind,
      });
      return ours ? { result: 'escalated' } : lostLease(row, 'escalated');
    }
    if (!escalated.permanent) {
      if (!(await retry(row, escalated))) return lostLease(row, `escalation failed: ${escalated.error}`);
      return { result: 'retried', ...(escalated.retryAfterMs ? { pauseMs: escalated.retryAfterMs } : {}) };
    }
    deps.logger?.error('reminder could not reach the owner nor any admin', {
      tokenId: row.tokenId,
      kind: row.kind,
      error: escalated.error,
    });
    const ours = await finish(claimed, 'skipped', { error: `undeliverable: ${escalated.error}` });
    return ours ? { result: 'skipped' } : lostLease(row, 'undeliverable');
  };

  const run = async (control: SweepControl = {}): Promise<SweepSummary> => {
    const started = performance.now();
    const summary = emptySummary();
    const stopping = () => control.shouldStop?.() ?? false;
    try {
      summary.scheduled = await reminders.schedule(db, clock.now(), offsets);
    } catch (error) {
      // Scheduling is idempotent and every instance repeats it; a failed round only delays.
      deps.logger?.warn('reminder scheduling failed; claiming what is already due', error);
    }

    while (!stopping() && summary.claimed < maxPerSweep) {
      const now = clock.now();
      const limit = Math.min(batchSize, maxPerSweep - summary.claimed);
      const batch = await reminders.claim(db, { now, leaseMs, limit });
      if (batch.length === 0) break;
      summary.claimed += batch.length;
      const found = await reminders.tokensWithOwners(
        db,
        batch.map((r) => r.tokenId),
      );
      const addresses = await reminders.slackAddresses(
        db,
        [...found.values()].map((f) => f.owner.id),
      );

      let pauseMs: number | undefined;
      let index = 0;
      for (; index < batch.length; index++) {
        if (stopping() || pauseMs !== undefined) break;
        const row = batch[index]!;
        // The batch shares one lease and a slow Slack could outlast it: renew this row's
        // lease just before its delivery, and only while it is still ours. If it ran out
        // and another sweep took the row, that sweep delivers it, not this one.
        const renewed = await reminders.renewClaim(db, claimOf(row), leaseMs);
        if (!renewed) {
          summary.overtaken += 1;
          continue;
        }
        const outcome = await deliver({ row, found: found.get(row.tokenId) }, addresses);
        summary[outcome.result] += 1;
        pauseMs = outcome.pauseMs;
      }
      const untried = batch.slice(index).map(claimOf);
      if (untried.length > 0) {
        // Slack said "slow down" (or we are stopping): hand the rest back for a later sweep.
        await reminders.release(db, untried, new Date(clock.now().getTime() + (pauseMs ?? 0)));
        summary.released += untried.length;
      }
      if (pauseMs !== undefined || batch.length < limit) break;
    }
    summary.durationMs = Math.round(performance.now() - started);
    return summary;
  };

  return { run };
};

export type ReminderSweep = ReturnType<typeof createReminderSweep>;
