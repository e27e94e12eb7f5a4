/**
 * One reminder sweep: schedule the rows of windows that opened, then claim due rows in
 * batches, deliver each outside any transaction, and record the result.
 *
 * Exactly once comes from Postgres, not from this process: the primary key makes
 * scheduling idempotent; a lease taken with SKIP LOCKED and timed by the database's clock
 * gives each row to one sweep at a time (renewed just before each delivery); and every
 * write for a row is fenced by the id of the claim that made it, so a sweep that lost its
 * lease can change nothing.
 *
 * What Postgres cannot know is whether Slack posted a message whose answer never came
 * back (a timeout after Slack accepted it, a crash or a failed database write right after
 * the call). For that, each delivery records that an attempt is starting before it calls
 * Slack, and the DM carries message metadata naming the reminder. A row claimed again
 * with an attempt still in doubt is looked up in the owner's DM history first, and marked
 * sent without a second DM if it is there. Only when Slack will not show the history
 * (no im:history scope) is it sent again, blind, and only once: at most one duplicate,
 * logged. (Should that resend go unanswered too, it is not sent a third time.)
 */
import type { AuditRepository } from '../audit/audit.repository.ts';
import type { Database } from '../db/client.ts';
import type { ApiToken, ReminderDelivery, User } from '../db/schema.ts';
import type { Clock } from '../shared/clock.ts';
import type { Logger } from '../shared/logger.ts';
import { currentKind, daysLeft, type ReminderKind, retryDelayMs } from './reminder-schedule.ts';
import {
  type DeliveryLookup,
  type DeliveryOutcome,
  type EscalationReason,
  emptySummary,
  type Reminder,
  type ReminderNotifier,
  type SlackAddress,
  type SweepSummary,
} from './reminders.models.ts';
import type { ClaimKey, RemindersRepository } from './reminders.repository.ts';

export const REMINDER_ACTOR_LABEL = 'system:reminders';

/**
 * Pauses between tries of a failed outcome write (the DM is out; only its record failed).
 * Bounded twice: by this list and by the lease, so the row is never written after another
 * sweep could have taken it.
 */
export const OUTCOME_WRITE_RETRY_DELAYS_MS: readonly number[] = [100, 250, 500, 1000, 2000, 4000];

/** The share of the lease, counted from its last renewal, in which outcome writes are retried. */
const WRITE_BUDGET_SHARE = 0.8;

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
  /**
   * Attempts (claims that tried to deliver) after which a failure that is not permanent is
   * no longer retried: the owner is given up on and the admins are told, or, when they
   * cannot be reached either, the reminder is set aside with an error in the log. Without
   * it a broken bot token or a missing scope would be retried forever.
   */
  maxAttempts?: number;
}

/** REMINDER_MAX_ATTEMPTS' default: with the backoff (30 s doubling to 1 h) about five hours. */
export const DEFAULT_MAX_ATTEMPTS = 12;

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

interface Delivered {
  result: Result;
  /** Slack asked us to slow down: the rest of the batch is handed back for this long. */
  pauseMs?: number;
  /** Sent by an earlier attempt, found in Slack. */
  recovered?: boolean;
}

type Failure = Extract<DeliveryOutcome, { ok: false }>;

/**
 * What a retry keeps of an attempt in doubt: `inDoubt` keeps its start (the next claim
 * looks in Slack first), `resentUnverified` that a blind resend may have landed.
 */
interface Doubt {
  inDoubt: boolean;
  resentUnverified: boolean;
}

const NO_DOUBT: Doubt = { inDoubt: false, resentUnverified: false };

/** The row as this sweep's claim holds it: every write for it is conditional on the claim id. */
const claimOf = (row: ReminderDelivery): ClaimKey => ({
  tokenId: row.tokenId,
  kind: row.kind,
  claimId: row.claimId ?? '',
});

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** A notifier that throws is treated like a transient failure: the row is retried. */
const attempt = async (call: () => Promise<DeliveryOutcome>): Promise<DeliveryOutcome> => {
  try {
    return await call();
  } catch (error) {
    return { ok: false, permanent: false, error: messageOf(error) };
  }
};

/** The same for a history lookup: a throw means "could not look just now". */
const lookUp = async (call: () => Promise<DeliveryLookup>): Promise<DeliveryLookup> => {
  try {
    return await call();
  } catch (error) {
    return { kind: 'failed', error: messageOf(error) };
  }
};

/** How an escalation's reason is audited. */
const auditReason = (reason: EscalationReason): Record<string, unknown> => {
  if (reason.kind === 'slack_error') return { reason: reason.error };
  if (reason.kind === 'gave_up')
    return { reason: 'gave_up', attempts: reason.attempts, lastError: reason.error };
  return { reason: reason.kind };
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export const createReminderSweep = (deps: SweepDeps) => {
  const { db, clock, reminders, audit, notifier, offsets } = deps;
  const batchSize = deps.batchSize ?? 25;
  const maxPerSweep = deps.maxPerSweep ?? 500;
  const leaseMs = deps.leaseMs ?? 120_000;
  const maxAttempts = deps.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  let historyWarned = false;

  /** This claim was the last attempt the cap allows. */
  const exhausted = (row: ReminderDelivery) => row.attempts >= maxAttempts;

  /**
   * The lease ran out and another claim has the row: whatever this sweep found out is
   * dropped, and the new holder decides (it sees an attempt in doubt and looks first).
   */
  const lostLease = (row: ReminderDelivery, outcome: string): Delivered => {
    deps.logger?.warn('reminder lease lost before its outcome was recorded; outcome discarded', {
      tokenId: row.tokenId,
      kind: row.kind,
      outcome,
    });
    return { result: 'lost' };
  };

  /**
   * Runs a write for a claimed row, trying again on failure while the lease (renewed at
   * `deadline - budget`) leaves room. The DM may be out already: giving up too early would
   * leave an attempt in doubt for the next claim to look up.
   */
  const withWriteRetries = async <T>(
    row: ReminderDelivery,
    deadline: number,
    write: () => Promise<T>,
  ): Promise<T> => {
    for (let i = 0; ; i++) {
      try {
        return await write();
      } catch (error) {
        const delay = OUTCOME_WRITE_RETRY_DELAYS_MS[i];
        if (delay === undefined || performance.now() + delay > deadline) throw error;
        deps.logger?.warn('recording a reminder outcome failed; trying again', {
          tokenId: row.tokenId,
          kind: row.kind,
          inMs: delay,
          error: messageOf(error),
        });
        await sleep(delay);
      }
    }
  };

  /** Records the final state; false when this claim no longer holds the row. */
  const finish = async (
    claimed: Claimed,
    deadline: number,
    status: 'sent' | 'escalated' | 'skipped',
    extra: { error?: string; reason?: EscalationReason; recovered?: boolean } = {},
  ): Promise<boolean> => {
    const { row, found } = claimed;
    const at = clock.now();
    return withWriteRetries(row, deadline, () =>
      db.transaction(async (tx) => {
        const changed = await reminders.complete(tx, claimOf(row), {
          status,
          at,
          error: extra.error ?? null,
        });
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
            ...(extra.reason ? auditReason(extra.reason) : {}),
            ...(extra.recovered ? { foundInSlack: true } : {}),
          },
        });
        return true;
      }),
    );
  };

  /** Gives the row back for a later attempt; false when this claim no longer holds it. */
  const retry = async (
    row: ReminderDelivery,
    deadline: number,
    outcome: Failure,
    doubt: Doubt,
  ): Promise<boolean> => {
    const delay = retryDelayMs(row.attempts, outcome.retryAfterMs);
    const ours = await withWriteRetries(row, deadline, () =>
      reminders.retry(db, claimOf(row), {
        nextAttemptAt: new Date(clock.now().getTime() + delay),
        error: outcome.error,
        ...doubt,
      }),
    );
    if (!ours) return false;
    deps.logger?.warn('reminder delivery failed; will retry', {
      tokenId: row.tokenId,
      kind: row.kind,
      attempts: row.attempts,
      error: outcome.error,
      retryInMs: delay,
      ...(doubt.inDoubt ? { maybeDelivered: true } : {}),
    });
    return true;
  };

  const retried = async (row: ReminderDelivery, deadline: number, outcome: Failure, doubt: Doubt) =>
    (await retry(row, deadline, outcome, doubt))
      ? { result: 'retried' as const, ...(outcome.retryAfterMs ? { pauseMs: outcome.retryAfterMs } : {}) }
      : lostLease(row, `failed: ${outcome.error}`);

  /**
   * An earlier attempt began and its outcome is unknown: was it delivered? Either what to
   * report instead of sending, or how to send: `blind` when Slack could not tell (no
   * im:history), so that this send may be a duplicate and must be the last blind one.
   */
  const settleDoubt = async (
    claimed: Claimed,
    deadline: number,
    to: readonly SlackAddress[],
    reminder: Reminder,
    since: Date,
  ): Promise<{ report: Delivered } | { blind: boolean }> => {
    const { row } = claimed;
    const lookup = await lookUp(() => notifier.findDelivered(to, reminder, since));
    if (lookup.kind === 'found') {
      deps.logger?.info('reminder found already delivered after an attempt in doubt; not sent again', {
        tokenId: row.tokenId,
        kind: row.kind,
      });
      const ours = await finish(claimed, deadline, 'sent', { recovered: true });
      return { report: ours ? { result: 'sent', recovered: true } : lostLease(row, 'found delivered') };
    }
    // Slack's history says the earlier attempt never landed: send as if for the first time.
    if (lookup.kind === 'not_found') return { blind: false };
    if (lookup.kind === 'failed' && !exhausted(row)) {
      // Guessing "not delivered" could send it twice: look again on a later sweep.
      const outcome: Failure = {
        ok: false,
        permanent: false,
        error: `history_${lookup.error}`,
        retryAfterMs: lookup.retryAfterMs,
      };
      return {
        report: await retried(row, deadline, outcome, {
          inDoubt: true,
          resentUnverified: row.resentUnverified,
        }),
      };
    }
    if (lookup.kind === 'unavailable' && !historyWarned) {
      historyWarned = true;
      deps.logger?.warn(
        'Slack will not show the DM history (grant the im:history scope), so a reminder whose earlier attempt is in doubt is sent again and may arrive twice',
        { error: lookup.error, tokenId: row.tokenId, kind: row.kind },
      );
    }
    if (lookup.kind === 'failed') {
      deps.logger?.warn('could not look for an earlier attempt in Slack before the attempts ran out', {
        tokenId: row.tokenId,
        kind: row.kind,
        error: lookup.error,
      });
    }
    if (row.resentUnverified) {
      // Already sent once more without an answer: a third DM could make two duplicates.
      deps.logger?.warn(
        'reminder sent twice without a confirmation and Slack cannot tell; not sending a third time',
        {
          tokenId: row.tokenId,
          kind: row.kind,
          error: lookup.error,
        },
      );
      const ours = await finish(claimed, deadline, 'sent', { error: `unconfirmed: ${lookup.error}` });
      return { report: ours ? { result: 'sent' } : lostLease(row, 'unconfirmed') };
    }
    // Recorded before the send, so that a crash right after it cannot lead to a third.
    const ours = await withWriteRetries(row, deadline, () =>
      reminders.markResentUnverified(db, claimOf(row)),
    );
    return ours ? { blind: true } : { report: lostLease(row, 'resend') };
  };

  /** Delivers one claimed row; returns what happened and, on a rate limit, how long to pause. */
  const deliver = async (
    claimed: Claimed,
    addresses: Map<string, SlackAddress[]>,
    deadline: number,
  ): Promise<Delivered> => {
    const { row, found } = claimed;
    const now = clock.now();
    // Checked at claim time, not only when scheduled: the token may have been revoked since.
    if (!found || found.token.revokedAt || found.owner.deactivatedAt) {
      const ours = await finish(claimed, deadline, 'skipped', {
        error: !found ? 'token_missing' : 'token_revoked',
      });
      return ours ? { result: 'skipped' } : lostLease(row, 'skipped');
    }
    // A nearer window has opened while this row waited (retries, downtime): the nearer one wins.
    if (currentKind(found.token.expiresAt, now, offsets) !== (row.kind as ReminderKind)) {
      const ours = await finish(claimed, deadline, 'skipped', { error: 'superseded' });
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
      let blind = false;
      if (row.attemptStartedAt) {
        const settled = await settleDoubt(claimed, deadline, to, reminder, row.attemptStartedAt);
        if ('report' in settled) return settled.report;
        blind = settled.blind;
      }
      const outcome = await attempt(() => notifier.remindOwner(to, reminder));
      if (outcome.ok) {
        return (await finish(claimed, deadline, 'sent')) ? { result: 'sent' } : lostLease(row, 'sent');
      }
      if (!outcome.permanent && !exhausted(row)) {
        const maybe = outcome.maybeDelivered === true;
        // A blind resend keeps the earlier doubt (nobody settled it); it adds its own only if it may have landed.
        return retried(row, deadline, outcome, { inDoubt: maybe || blind, resentUnverified: blind && maybe });
      }
      reason = outcome.permanent
        ? { kind: 'slack_error', error: outcome.error }
        : { kind: 'gave_up', attempts: row.attempts, error: outcome.error };
      if (reason.kind === 'gave_up') {
        deps.logger?.error('reminder delivery kept failing; giving up on the owner and telling the admins', {
          tokenId: row.tokenId,
          kind: row.kind,
          attempts: row.attempts,
          error: outcome.error,
        });
      }
    }

    const escalated = await attempt(() => notifier.escalate(reminder, reason));
    if (escalated.ok) {
      const ours = await finish(claimed, deadline, 'escalated', {
        reason,
        error:
          reason.kind === 'slack_error'
            ? reason.error
            : reason.kind === 'gave_up'
              ? `gave_up: ${reason.error}`
              : reason.kind,
      });
      return ours ? { result: 'escalated' } : lostLease(row, 'escalated');
    }
    // The owner's DM failed for good, so their history holds nothing to look up next time.
    if (!escalated.permanent && !exhausted(row)) return retried(row, deadline, escalated, NO_DOUBT);
    deps.logger?.error('reminder could not reach the owner nor any admin', {
      tokenId: row.tokenId,
      kind: row.kind,
      error: escalated.error,
      ...(escalated.permanent ? {} : { attempts: row.attempts, gaveUp: true }),
    });
    const ours = await finish(claimed, deadline, 'skipped', {
      error: escalated.permanent
        ? `undeliverable: ${escalated.error}`
        : `undeliverable: gave up after ${row.attempts} attempts: ${escalated.error}`,
    });
    return ours ? { result: 'skipped' } : lostLease(row, 'undeliverable');
  };

  /** Gives untried rows back (those this sweep's claims still hold); never throws. */
  const handBack = async (rows: readonly ReminderDelivery[], pauseMs: number): Promise<number> => {
    if (rows.length === 0) return 0;
    try {
      return await reminders.release(db, rows.map(claimOf), new Date(clock.now().getTime() + pauseMs));
    } catch (error) {
      // Their leases run out on their own; they are late, not lost.
      deps.logger?.error('could not hand claimed reminders back; they wait for their leases to run out', {
        count: rows.length,
        error: messageOf(error),
      });
      return 0;
    }
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

      let pauseMs: number | undefined;
      // The first row whose delivery has not begun: everything from here is handed back.
      let next = 0;
      try {
        const found = await reminders.tokensWithOwners(
          db,
          batch.map((r) => r.tokenId),
        );
        const addresses = await reminders.slackAddresses(
          db,
          [...found.values()].map((f) => f.owner.id),
        );
        while (next < batch.length && !stopping() && pauseMs === undefined) {
          const row = batch[next]!;
          // The batch shares one lease and a slow Slack could outlast it: renew this row's
          // lease just before its delivery, and only while it is still ours. If another
          // sweep took the row meanwhile, that sweep delivers it, not this one.
          const began = await reminders.beginAttempt(db, claimOf(row), leaseMs);
          next += 1;
          if (!began) {
            summary.overtaken += 1;
            continue;
          }
          const deadline = performance.now() + leaseMs * WRITE_BUDGET_SHARE;
          const outcome = await deliver({ row, found: found.get(row.tokenId) }, addresses, deadline);
          summary[outcome.result] += 1;
          if (outcome.recovered) summary.recovered += 1;
          pauseMs = outcome.pauseMs;
        }
      } catch (error) {
        // The database failed us mid-batch (even after retries). The row in hand keeps its
        // lease and its attempt in doubt; the rest go back now instead of waiting it out.
        summary.released += await handBack(batch.slice(next), 0);
        throw error;
      }
      // Slack said "slow down" (or we are stopping): hand the rest back for a later sweep.
      summary.released += await handBack(batch.slice(next), pauseMs ?? 0);
      if (pauseMs !== undefined || batch.length < limit) break;
    }
    summary.durationMs = Math.round(performance.now() - started);
    return summary;
  };

  return { run };
};

export type ReminderSweep = ReturnType<typeof createReminderSweep>;
