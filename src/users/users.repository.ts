import { and, asc, count, eq, gt, isNull, sql } from 'drizzle-orm';
import type { Executor } from '../db/client.ts';
import { preparedPerDatabase } from '../db/prepared.ts';
import { apiTokens, type NewUser, type Role, slackIdentities, type User, users } from '../db/schema.ts';

export interface UserWithCounts extends User {
  activeTokens: number;
}

const bySlackIdentity = preparedPerDatabase((executor) =>
  executor
    .select({ user: users })
    .from(slackIdentities)
    .innerJoin(users, eq(users.id, slackIdentities.userId))
    .where(
      and(
        eq(slackIdentities.teamId, sql.placeholder('teamId')),
        eq(slackIdentities.slackUserId, sql.placeholder('slackUserId')),
      ),
    )
    .prepare('tokendesk_user_by_slack_identity'),
);

export const createUsersRepository = () => ({
  findById: async (executor: Executor, id: string): Promise<User | undefined> => {
    const [row] = await executor.select().from(users).where(eq(users.id, id));
    return row;
  },

  findByEmail: async (executor: Executor, email: string): Promise<User | undefined> => {
    const [row] = await executor.select().from(users).where(sql`lower(${users.email}) = lower(${email})`);
    return row;
  },

  /** Inserts unless the e-mail exists (case-insensitively); returns the stored row either way. */
  insertOrGet: async (executor: Executor, user: NewUser): Promise<{ user: User; created: boolean }> => {
    const [inserted] = await executor.insert(users).values(user).onConflictDoNothing().returning();
    if (inserted) return { user: inserted, created: true };
    const [existing] = await executor
      .select()
      .from(users)
      .where(sql`lower(${users.email}) = lower(${user.email})`);
    if (!existing) throw new Error('user vanished between insert and select');
    return { user: existing, created: false };
  },

  setRole: async (executor: Executor, id: string, role: Role): Promise<void> => {
    await executor.update(users).set({ role }).where(eq(users.id, id));
  },

  deactivate: async (executor: Executor, id: string, at: Date): Promise<void> => {
    await executor
      .update(users)
      .set({ deactivatedAt: at })
      .where(and(eq(users.id, id), isNull(users.deactivatedAt)));
  },

  /**
   * Locks every active admin row so that concurrent demotions serialize on the last-admin check.
   * FOR NO KEY UPDATE, not FOR UPDATE: it still excludes another demotion, but not the foreign-key
   * checks of audit inserts naming an admin, which would otherwise wait for it (or deadlock with it).
   */
  lockActiveAdmins: async (executor: Executor): Promise<User[]> =>
    executor
      .select()
      .from(users)
      .where(and(eq(users.role, 'admin'), isNull(users.deactivatedAt)))
      .orderBy(asc(users.id))
      .for('no key update'),

  listAdmins: async (executor: Executor): Promise<User[]> =>
    executor
      .select()
      .from(users)
      .where(and(eq(users.role, 'admin'), isNull(users.deactivatedAt)))
      .orderBy(asc(users.email)),

  list: async (
    executor: Executor,
    page: { limit: number; offset: number },
    now: Date,
  ): Promise<{ items: UserWithCounts[]; total: number }> => {
    const activeTokens = executor
      .select({ ownerId: apiTokens.ownerId, n: count().as('n') })
      .from(apiTokens)
      // gt() binds the Date through the column's mapper; a raw sql`… > ${now}` fails on postgres.js.
      .where(and(isNull(apiTokens.revokedAt), gt(apiTokens.expiresAt, now)))
      .groupBy(apiTokens.ownerId)
      .as('active_tokens');
    const rows = await executor
      .select({ user: users, n: activeTokens.n })
      .from(users)
      .leftJoin(activeTokens, eq(activeTokens.ownerId, users.id))
      .orderBy(asc(sql`lower(${users.email})`))
      .limit(page.limit)
      .offset(page.offset);
    const [total] = await executor.select({ n: count() }).from(users);
    return {
      items: rows.map((r) => ({ ...r.user, activeTokens: Number(r.n ?? 0) })),
      total: Number(total?.n ?? 0),
    };
  },

  /** Every Slack request asks this (identify): prepared once per database. */
  findBySlackIdentity: async (
    executor: Executor,
    teamId: string,
    slackUserId: string,
  ): Promise<User | undefined> => {
    const [row] = await bySlackIdentity(executor).execute({ teamId, slackUserId });
    return row?.user;
  },

  /** Returns true when this call created the link (false: it already existed). */
  linkSlackIdentity: async (
    executor: Executor,
    link: { teamId: string; slackUserId: string; enterpriseId: string | null; userId: string },
  ): Promise<boolean> => {
    const rows = await executor.insert(slackIdentities).values(link).onConflictDoNothing().returning();
    return rows.length > 0;
  },

  slackIdentitiesOf: async (executor: Executor, userId: string) =>
    executor.select().from(slackIdentities).where(eq(slackIdentities.userId, userId)),
});

export type UsersRepository = ReturnType<typeof createUsersRepository>;
