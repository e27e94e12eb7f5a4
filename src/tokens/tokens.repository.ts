import { and, asc, count, desc, eq, gt, inArray, isNull, lte, type SQL, sql } from 'drizzle-orm';
import type { Executor } from '../db/client.ts';
import { preparedPerDatabase } from '../db/prepared.ts';
import { type ApiToken, apiTokens, type NewApiToken, type User, users } from '../db/schema.ts';

export interface TokenWithOwner {
  token: ApiToken;
  owner: User;
}

export interface TokenFilter {
  ownerId?: string | undefined;
  /** Only tokens neither revoked nor expired at `now`. */
  activeAt?: Date | undefined;
}

const whereOf = (filter: TokenFilter): SQL | undefined => {
  const parts: SQL[] = [];
  if (filter.ownerId !== undefined) parts.push(eq(apiTokens.ownerId, filter.ownerId));
  if (filter.activeAt !== undefined) {
    parts.push(isNull(apiTokens.revokedAt), gt(apiTokens.expiresAt, filter.activeAt));
  }
  return parts.length > 0 ? and(...parts) : undefined;
};

/** The query behind every cold verification, prepared once per database. */
const lookup = preparedPerDatabase((executor) =>
  executor
    .select({ token: apiTokens, owner: users })
    .from(apiTokens)
    .innerJoin(users, eq(users.id, apiTokens.ownerId))
    .where(eq(apiTokens.id, sql.placeholder('id')))
    .prepare('tokendesk_token_lookup'),
);

export const createTokensRepository = () => ({
  /** `findWithOwner` for the hot path (verification): the same row, through a prepared statement. */
  lookupForVerification: async (executor: Executor, id: string): Promise<TokenWithOwner | undefined> => {
    const [row] = await lookup(executor).execute({ id });
    return row;
  },

  insert: async (executor: Executor, token: NewApiToken): Promise<ApiToken> => {
    const [row] = await executor.insert(apiTokens).values(token).returning();
    return row!;
  },

  findWithOwner: async (executor: Executor, id: string): Promise<TokenWithOwner | undefined> => {
    const [row] = await executor
      .select({ token: apiTokens, owner: users })
      .from(apiTokens)
      .innerJoin(users, eq(users.id, apiTokens.ownerId))
      .where(eq(apiTokens.id, id));
    return row;
  },

  /** Newest first; `total` lets views paginate. */
  list: async (
    executor: Executor,
    filter: TokenFilter,
    page: { limit: number; offset: number },
  ): Promise<{ items: TokenWithOwner[]; total: number }> => {
    const where = whereOf(filter);
    const items = await executor
      .select({ token: apiTokens, owner: users })
      .from(apiTokens)
      .innerJoin(users, eq(users.id, apiTokens.ownerId))
      .where(where)
      .orderBy(desc(apiTokens.createdAt), asc(apiTokens.id))
      .limit(page.limit)
      .offset(page.offset);
    const [total] = await executor.select({ n: count() }).from(apiTokens).where(where);
    return { items, total: Number(total?.n ?? 0) };
  },

  /** Active tokens expiring in (from, to], soonest first (the partial expiry index serves this). */
  expiringBetween: async (
    executor: Executor,
    from: Date,
    to: Date,
    limit: number,
  ): Promise<TokenWithOwner[]> =>
    executor
      .select({ token: apiTokens, owner: users })
      .from(apiTokens)
      .innerJoin(users, eq(users.id, apiTokens.ownerId))
      .where(and(isNull(apiTokens.revokedAt), gt(apiTokens.expiresAt, from), lte(apiTokens.expiresAt, to)))
      .orderBy(asc(apiTokens.expiresAt))
      .limit(limit),

  /**
   * Revokes only if not yet revoked. The conditional UPDATE is the arbiter when two
   * revokes race: exactly one of them gets the row back.
   */
  revokeIfActive: async (
    executor: Executor,
    id: string,
    change: { at: Date; by: string | null; reason: string },
  ): Promise<ApiToken | undefined> => {
    const [row] = await executor
      .update(apiTokens)
      .set({ revokedAt: change.at, revokedBy: change.by, revokeReason: change.reason })
      .where(and(eq(apiTokens.id, id), isNull(apiTokens.revokedAt)))
      .returning();
    return row;
  },

  revokeAllOfOwner: async (
    executor: Executor,
    ownerId: string,
    change: { at: Date; by: string | null; reason: string },
  ): Promise<ApiToken[]> =>
    executor
      .update(apiTokens)
      .set({ revokedAt: change.at, revokedBy: change.by, revokeReason: change.reason })
      .where(and(eq(apiTokens.ownerId, ownerId), isNull(apiTokens.revokedAt)))
      .returning(),

  /**
   * Last-used bookkeeping for a batch of tokens in one statement; never moves a time
   * backwards, and a use whose address is unknown (introspection) keeps the address known
   * before. Per id only the latest use counts (an UPDATE … FROM with two rows for one
   * target would pick either).
   */
  touchLastUsed: async (
    executor: Executor,
    uses: ReadonlyArray<{ id: string; at: Date; ip: string | null }>,
  ): Promise<void> => {
    const latest = new Map<string, { id: string; at: Date; ip: string | null }>();
    for (const use of uses) {
      const known = latest.get(use.id);
      if (!known || known.at < use.at) latest.set(use.id, use);
    }
    if (latest.size === 0) return;
    const rows = sql.join(
      [...latest.values()].map(
        (u) => sql`(${u.id}::text, ${u.at.toISOString()}::timestamptz, ${u.ip}::text)`,
      ),
      sql`, `,
    );
    await executor.execute(sql`
      update ${apiTokens} as t set last_used_at = v.at, last_used_ip = coalesce(v.ip, t.last_used_ip)
      from (values ${rows}) as v(id, at, ip)
      where t.id = v.id and (t.last_used_at is null or t.last_used_at < v.at)`);
  },

  countActiveByOwner: async (
    executor: Executor,
    ownerIds: string[],
    now: Date,
  ): Promise<Map<string, number>> => {
    if (ownerIds.length === 0) return new Map();
    const rows = await executor
      .select({ ownerId: apiTokens.ownerId, n: count() })
      .from(apiTokens)
      .where(
        and(inArray(apiTokens.ownerId, ownerIds), isNull(apiTokens.revokedAt), gt(apiTokens.expiresAt, now)),
      )
      .groupBy(apiTokens.ownerId);
    return new Map(rows.map((r) => [r.ownerId, Number(r.n)]));
  },
});

export type TokensRepository = ReturnType<typeof createTokensRepository>;
