/**
 * The SQL behind "each reminder exactly once, whatever the number of instances".
 *
 * - `schedule`: one idempotent INSERT … SELECT creates the current reminder row of every
 *   active token whose window has opened; the primary key (token_id, kind) makes a second
 *   instance's identical INSERT a no-op. It reads api_tokens through the partial index
 *   `api_tokens_active_expiry_idx` (a range on expires_at among unrevoked tokens).
 * - `claim`: takes a lease on a batch of due rows with FOR UPDATE SKIP LOCKED, so that
 *   concurrent sweeps get disjoint batches; a crashed instance's lease simply runs out.
 *   Leases are set and compared with the database's clock (`now()`), never an instance's:
 *   two instances whose clocks disagree still agree on whose lease is live. The injected
 *   clock only decides which reminder is due (`next_attempt_at`, the windows).
 * - `complete` / `retry` / `release`: one short statement each, never across a Slack call.
 *   Each claim gets a fresh `claim_id` and every later write for the row is conditional on
 *   it (fencing): an instance that lost its lease finds its write refused, however late it
 *   comes, and cannot clear or overwrite the new holder's lease or outcome.
 */
import { and, asc, desc, eq, gt, inArray, isNull, lt, lte, or, type SQL, sql } from 'drizzle-orm';
import type { Executor } from '../db/client.ts';
import {
  type ApiToken,
  apiTokens,
  auditEvents,
  type ReminderDelivery,
  reminderDeliveries,
  slackIdentities,
  type User,
  users,
} from '../db/schema.ts';
import { EXPIRED, windowBounds } from './reminder-schedule.ts';
import type { SlackAddress } from './reminders.models.ts';

const rd = reminderDeliveries;

export interface DeliveryKey {
  tokenId: string;
  kind: string;
}

/** A row as one claim holds it. */
export interface ClaimKey extends DeliveryKey {
  claimId: string;
}

/** Rows of a raw `execute`, whichever driver produced them. */
const rowsOf = <T>(result: unknown): T[] =>
  (Array.isArray(result) ? result : ((result as { rows?: T[] }).rows ?? [])) as T[];

const keyMatches = (keys: readonly DeliveryKey[]): SQL =>
  or(...keys.map((k) => and(eq(rd.tokenId, k.tokenId), eq(rd.kind, k.kind))))!;

/** The rows, only while the given claims still hold them. */
const heldBy = (claims: readonly ClaimKey[]): SQL =>
  and(
    eq(rd.status, 'pending'),
    or(...claims.map((k) => and(eq(rd.tokenId, k.tokenId), eq(rd.kind, k.kind), eq(rd.claimId, k.claimId)))),
  )!;

const DAY_SECONDS = 86_400;

/** A timestamp parameter for raw SQL: postgres.js (as drizzle sets it up) only takes strings there. */
export const at = (date: Date): SQL => sql`${date.toISOString()}::timestamptz`;

/**
 * The end of a lease starting now, by the database's clock: instances whose own clocks
 * disagree still agree on whose lease is live. (Every outbox leases the same way.)
 */
export const leaseEnd = (leaseMs: number): SQL =>
  sql`now() + make_interval(secs => ${Math.max(1, Math.round(leaseMs)) / 1000})`;

export const createRemindersRepository = () => {
  /**
   * The scheduling statement. The CASE picks the nearest open window per token (windows
   * ascending, so the first match is the nearest); `ORDER BY` makes concurrent instances
   * insert in the same order, so their conflicting inserts queue instead of deadlocking.
   */
  const scheduleQuery = (now: Date, offsets: readonly number[]): SQL => {
    const { windows, expiredSince } = windowBounds(now, offsets);
    const latest = windows.at(-1)?.expiresBy ?? now;
    const kindCase = sql.join(
      [
        sql`when t.expires_at <= ${at(now)} then ${EXPIRED}`,
        ...windows.map((w) => sql`when t.expires_at <= ${at(w.expiresBy)} then ${w.kind}`),
      ],
      sql` `,
    );
    const dueCase = sql.join(
      [
        sql`when t.expires_at <= ${at(now)} then t.expires_at`,
        ...windows.map(
          (w) =>
            sql`when t.expires_at <= ${at(w.expiresBy)} then t.expires_at - make_interval(secs => ${w.days * DAY_SECONDS})`,
        ),
      ],
      sql` `,
    );
    return sql`insert into reminder_deliveries (token_id, kind, due_at, next_attempt_at)
      select t.id, case ${kindCase} end, case ${dueCase} end, case ${dueCase} end
      from api_tokens t
      where t.revoked_at is null and t.expires_at > ${at(expiredSince)} and t.expires_at <= ${at(latest)}
      order by t.expires_at, t.id
      on conflict do nothing
      returning token_id`;
  };

  const claimQuery = (now: Date, leaseMs: number, limit: number) => {
    const due = (executor: Executor) =>
      executor
        .select({ tokenId: rd.tokenId, kind: rd.kind })
        .from(rd)
        .where(
          and(
            eq(rd.status, 'pending'),
            lte(rd.nextAttemptAt, now),
            or(isNull(rd.claimedUntil), lt(rd.claimedUntil, sql`now()`)),
          ),
        )
        .orderBy(asc(rd.nextAttemptAt))
        .limit(limit)
        .for('update', { skipLocked: true });
    return (executor: Executor) =>
      executor
        .update(rd)
        .set({
          claimedUntil: leaseEnd(leaseMs),
          claimId: sql`gen_random_uuid()`,
          attempts: sql`${rd.attempts} + 1`,
        })
        .where(and(sql`(${rd.tokenId}, ${rd.kind}) in ${due(executor)}`, eq(rd.status, 'pending')))
        .returning();
  };

  const tokensWithOwnersQuery = (executor: Executor, tokenIds: readonly string[]) =>
    executor
      .select({ token: apiTokens, owner: users })
      .from(apiTokens)
      .innerJoin(users, eq(users.id, apiTokens.ownerId))
      .where(inArray(apiTokens.id, [...tokenIds]));

  return {
    scheduleQuery,

    /** Creates the rows of windows that have opened; returns how many were new. */
    schedule: async (executor: Executor, now: Date, offsets: readonly number[]): Promise<number> =>
      rowsOf(await executor.execute(scheduleQuery(now, offsets))).length,

    /** The claim statement, for EXPLAIN in tests and the benchmark. */
    claimStatement: (executor: Executor, now: Date, limit: number): SQL =>
      claimQuery(now, 60_000, limit)(executor).getSQL(),

    /** The token lookup statement, for EXPLAIN. */
    tokensWithOwnersStatement: (executor: Executor, tokenIds: readonly string[]): SQL =>
      tokensWithOwnersQuery(executor, tokenIds).getSQL(),

    /**
     * Leases up to `limit` rows due at `now` (the injected clock) to the caller for `leaseMs`
     * (the database's clock); each row comes back with its new `claimId`.
     */
    claim: async (
      executor: Executor,
      options: { now: Date; leaseMs: number; limit: number },
    ): Promise<ReminderDelivery[]> => claimQuery(options.now, options.leaseMs, options.limit)(executor),

    /** The tokens and owners behind claimed rows (by primary key). */
    tokensWithOwners: async (
      executor: Executor,
      tokenIds: readonly string[],
    ): Promise<Map<string, { token: ApiToken; owner: User }>> => {
      if (tokenIds.length === 0) return new Map();
      const rows = await tokensWithOwnersQuery(executor, tokenIds);
      return new Map(rows.map((r) => [r.token.id, r]));
    },

    /** Slack identities per user, oldest link first. */
    slackAddresses: async (
      executor: Executor,
      userIds: readonly string[],
    ): Promise<Map<string, SlackAddress[]>> => {
      const out = new Map<string, SlackAddress[]>();
      if (userIds.length === 0) return out;
      const rows = await executor
        .select()
        .from(slackIdentities)
        .where(inArray(slackIdentities.userId, [...new Set(userIds)]))
        .orderBy(asc(slackIdentities.createdAt), asc(slackIdentities.slackUserId));
      for (const row of rows) {
        const list = out.get(row.userId) ?? [];
        list.push({ teamId: row.teamId, slackUserId: row.slackUserId });
        out.set(row.userId, list);
      }
      return out;
    },

    /**
     * Final state for a row this claim still holds. Returns false when it no longer does
     * (the lease ran out and another claim took the row, or finished it), so the caller
     * discards its outcome and writes no audit event.
     */
    complete: async (
      executor: Executor,
      key: ClaimKey,
      change: { status: 'sent' | 'escalated' | 'skipped'; at: Date; error?: string | null },
    ): Promise<boolean> => {
      const rows = await executor
        .update(rd)
        .set({
          status: change.status,
          sentAt: change.status === 'skipped' ? null : change.at,
          claimedUntil: null,
          lastError: change.error ?? null,
        })
        .where(heldBy([key]))
        .returning({ tokenId: rd.tokenId });
      return rows.length > 0;
    },

    /**
     * Gives a row this claim holds back with a later attempt time; false when it no longer
     * holds it. `inDoubt`: an attempt may have been delivered (a timeout after the request
     * went out, or an earlier doubt nobody could settle), so its start stays recorded and
     * the next claim looks in Slack first. `resentUnverified`: a blind resend may have landed.
     */
    retry: async (
      executor: Executor,
      key: ClaimKey,
      change: { nextAttemptAt: Date; error: string; inDoubt: boolean; resentUnverified: boolean },
    ): Promise<boolean> => {
      const rows = await executor
        .update(rd)
        .set({
          nextAttemptAt: change.nextAttemptAt,
          claimedUntil: null,
          claimId: null,
          lastError: change.error.slice(0, 500),
          resentUnverified: change.inDoubt && change.resentUnverified,
          ...(change.inDoubt ? {} : { attemptStartedAt: null }),
        })
        .where(heldBy([key]))
        .returning({ tokenId: rd.tokenId });
      return rows.length > 0;
    },

    /**
     * Just before a delivery: extends this claim's lease by `leaseMs` from now (database
     * time) and records that a send attempt is starting (`attempt_started_at`, kept at the
     * earliest attempt still in doubt). Only while the claim still holds the row; false
     * means another claim took it over and this one must not send.
     */
    beginAttempt: async (executor: Executor, key: ClaimKey, leaseMs: number): Promise<boolean> => {
      const rows = await executor
        .update(rd)
        .set({
          claimedUntil: leaseEnd(leaseMs),
          attemptStartedAt: sql`coalesce(${rd.attemptStartedAt}, now())`,
        })
        .where(heldBy([key]))
        .returning({ tokenId: rd.tokenId });
      return rows.length > 0;
    },

    /**
     * Records, before it starts, that a reminder in doubt is being sent again without Slack's
     * history to check: it may then arrive twice, never three times. False when this claim
     * no longer holds the row.
     */
    markResentUnverified: async (executor: Executor, key: ClaimKey): Promise<boolean> => {
      const rows = await executor
        .update(rd)
        .set({ resentUnverified: true })
        .where(heldBy([key]))
        .returning({ tokenId: rd.tokenId });
      return rows.length > 0;
    },

    /**
     * Hands claimed rows back untried (the claim's attempt is not counted); only rows these
     * claims still hold, so a row another sweep took over is left alone.
     */
    release: async (executor: Executor, keys: readonly ClaimKey[], notBefore: Date): Promise<number> => {
      if (keys.length === 0) return 0;
      const rows = await executor
        .update(rd)
        .set({
          claimedUntil: null,
          claimId: null,
          attempts: sql`greatest(${rd.attempts} - 1, 0)`,
          nextAttemptAt: sql`greatest(${rd.nextAttemptAt}, ${at(notBefore)})`,
        })
        .where(heldBy(keys))
        .returning({ tokenId: rd.tokenId });
      return rows.length;
    },

    /** When this token's renewal was last requested after `since`, if it was. */
    lastRenewalRequest: async (
      executor: Executor,
      tokenId: string,
      since: Date,
    ): Promise<Date | undefined> => {
      const [row] = await executor
        .select({ at: auditEvents.at })
        .from(auditEvents)
        .where(
          and(
            eq(auditEvents.tokenId, tokenId),
            eq(auditEvents.action, 'renewal.requested'),
            gt(auditEvents.at, since),
          ),
        )
        .orderBy(desc(auditEvents.at))
        .limit(1);
      return row?.at;
    },

    /** Serializes renewal requests for one token (transaction-scoped, any instance). */
    lockRenewal: async (executor: Executor, tokenId: string) => {
      await executor.execute(sql`select pg_advisory_xact_lock(hashtext(${`tokendesk.renewal:${tokenId}`}))`);
    },

    find: async (executor: Executor, key: DeliveryKey): Promise<ReminderDelivery | undefined> => {
      const [row] = await executor
        .select()
        .from(rd)
        .where(keyMatches([key]));
      return row;
    },
  };
};

export type RemindersRepository = ReturnType<typeof createRemindersRepository>;
