/**
 * Delivering offboarding notices: one round claims due notices (any instance, SKIP LOCKED)
 * and tells the admins, one message per notice; Slack failures are retried with backoff on
 * later rounds, so a notice is neither lost nor sent twice.
 */
import type { Database } from '../db/client.ts';
import { type DrainOptions, type DrainSummary, drainOutbox } from '../outbox/outbox-drain.ts';
import type { Clock } from '../shared/clock.ts';
import type { Logger } from '../shared/logger.ts';
import type { OffboardingNoticePublisher } from './offboarding-notices.models.ts';
import type { OffboardingNoticesRepository } from './offboarding-notices.repository.ts';

export interface OffboardingNoticesDeps extends Partial<DrainOptions> {
  db: Database;
  clock: Clock;
  notices: OffboardingNoticesRepository;
}

export const createOffboardingNotices = (deps: OffboardingNoticesDeps) => ({
  run: (
    publisher: OffboardingNoticePublisher,
    control: { shouldStop?: () => boolean; logger?: Logger | undefined } = {},
  ): Promise<DrainSummary> =>
    drainOutbox(
      {
        db: deps.db,
        clock: deps.clock,
        queries: deps.notices,
        name: 'offboarding notice',
        logger: control.logger,
        // One notice is one message: a failure of one never holds back another's retry schedule.
        batchSize: 1,
        maxPerRun: deps.maxPerRun ?? 50,
        leaseMs: deps.leaseMs ?? 120_000,
        deliver: async ([claimed]) => {
          const [notice] = await deps.notices.load(deps.db, claimed ? [claimed.key] : []);
          // The row exists (its claim just succeeded) and users are never deleted.
          if (!notice) return { ok: false, permanent: true, error: 'notice_missing' };
          return publisher.tell(notice);
        },
      },
      control,
    ),
});

export type OffboardingNotices = ReturnType<typeof createOffboardingNotices>;
