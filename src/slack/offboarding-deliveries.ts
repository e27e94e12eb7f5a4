/**
 * The Slack side of offboarding notices for one instance: the publisher (the admin
 * messenger and the notice view), a round on an interval like the audit feed's, and a round
 * at once when this instance queued a notice itself (Slack's user_change), so the admins
 * hear within seconds. Notices queued elsewhere (the CLI) go out with the next round of any
 * instance; Postgres decides which one, and each notice goes out once.
 */

import type { OffboardingNoticePublisher } from '../offboarding/offboarding-notices.models.ts';
import type { DrainSummary } from '../outbox/outbox-drain.ts';
import { createIntervalWorker } from '../reminders/interval-worker.ts';
import type { Services } from '../services.ts';
import type { Logger } from '../shared/logger.ts';
import type { AdminMessenger } from './reminders/admin-messenger.ts';
import { offboardingNotice } from './views/offboarding-notice.ts';

export const createOffboardingDeliveries = (deps: {
  services: Pick<Services, 'offboardingNotices' | 'onOffboardingNoticeQueued'>;
  admins: AdminMessenger;
  /** 0: no interval rounds (the immediate ones still run). */
  intervalMs: number;
  logger: Logger;
}) => {
  const { logger } = deps;
  const publisher: OffboardingNoticePublisher = {
    tell: (notice) => deps.admins.tell(offboardingNotice(notice)),
  };
  let stopping = false;
  const run = (control: { shouldStop?: () => boolean } = {}): Promise<DrainSummary> =>
    deps.services.offboardingNotices.run(publisher, { ...control, logger });
  const worker = createIntervalWorker({
    name: 'offboarding notices',
    intervalMs: deps.intervalMs,
    run,
    logger,
  });

  // One immediate round at a time; a notice queued during it gets a round of its own after it.
  let immediate: Promise<void> | undefined;
  let again = false;
  const runNow = () => {
    if (stopping) return;
    if (immediate) {
      again = true;
      return;
    }
    immediate = (async () => {
      do {
        again = false;
        await run({ shouldStop: () => stopping }).catch((error: unknown) =>
          logger.error('offboarding notices failed', error),
        );
      } while (again && !stopping);
    })().finally(() => {
      immediate = undefined;
    });
  };
  deps.services.onOffboardingNoticeQueued(runNow);

  return {
    /** One round now (tests, and every interval). */
    run,
    start: () => worker.start(),
    stop: async () => {
      stopping = true;
      await worker.stop();
      await immediate;
    },
  };
};
