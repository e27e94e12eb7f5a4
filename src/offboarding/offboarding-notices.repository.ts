/** Storage of offboarding notices: written in the deactivation's transaction, then an outbox. */
import { asc, eq, inArray } from 'drizzle-orm';
import type { Executor } from '../db/client.ts';
import { offboardingNotices, users } from '../db/schema.ts';
import { createOutboxQueries } from '../outbox/outbox.repository.ts';
import type { OffboardingNotice } from './offboarding-notices.models.ts';

export const createOffboardingNoticesRepository = () => ({
  /** Queues a notice, due at once. */
  insert: async (
    executor: Executor,
    notice: Omit<OffboardingNotice, 'id' | 'user'> & { userId: string },
  ): Promise<number> => {
    const [row] = await executor
      .insert(offboardingNotices)
      .values({
        userId: notice.userId,
        at: notice.at,
        source: notice.source,
        slackUserId: notice.slackUserId,
        revokedTokens: [...notice.revoked],
        noAdminLeft: notice.noAdminLeft,
        nextAttemptAt: notice.at,
      })
      .returning({ id: offboardingNotices.id });
    return row!.id;
  },

  /** The notices behind claimed keys, with whom they are about. */
  load: async (executor: Executor, ids: readonly number[]): Promise<OffboardingNotice[]> => {
    if (ids.length === 0) return [];
    const rows = await executor
      .select({ notice: offboardingNotices, user: users })
      .from(offboardingNotices)
      .innerJoin(users, eq(users.id, offboardingNotices.userId))
      .where(inArray(offboardingNotices.id, [...ids]))
      .orderBy(asc(offboardingNotices.id));
    return rows.map(({ notice, user }) => ({
      id: notice.id,
      at: notice.at,
      source: notice.source,
      slackUserId: notice.slackUserId,
      user: { id: user.id, email: user.email, name: user.displayName },
      revoked: notice.revokedTokens,
      noAdminLeft: notice.noAdminLeft,
    }));
  },

  ...createOutboxQueries({
    table: offboardingNotices,
    key: offboardingNotices.id,
    doneAt: offboardingNotices.sentAt,
    doneStatus: 'sent',
  }),
});

export type OffboardingNoticesRepository = ReturnType<typeof createOffboardingNoticesRepository>;
