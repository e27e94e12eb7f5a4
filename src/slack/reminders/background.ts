/**
 * The background deliveries of one instance, assembled: the reminder sweep, the audit
 * feed and the offboarding notices, their Slack adapters and their timers. Every instance runs both; Postgres decides
 * who delivers what. The app starts the timers; the CLI and tests call the runs directly.
 *
 * The feed runs more often than the reminder sweep (an audit feed minutes late is not much
 * of a feed): every REMINDER_INTERVAL_SECONDS, but at least every 15 s, and off with it.
 */
import type { WebClient } from '@slack/web-api';
import type { Config } from '../../config.ts';
import { createIntervalWorker } from '../../reminders/interval-worker.ts';
import type { SweepControl } from '../../reminders/reminder-sweep.ts';
import { describeSummary, type SweepSummary } from '../../reminders/reminders.models.ts';
import type { Services } from '../../services.ts';
import type { Logger } from '../../shared/logger.ts';
import { createOffboardingDeliveries } from '../offboarding-deliveries.ts';
import { createAdminMessenger } from './admin-messenger.ts';
import { createSlackAuditFeedPublisher } from './audit-feed-publisher.ts';
import { createReminderClient } from './reminder-client.ts';
import { createSlackReminderNotifier } from './slack-reminder-notifier.ts';

export const FEED_MAX_INTERVAL_SECONDS = 15;

export type BackgroundConfig = Pick<
  Config,
  | 'slackBotToken'
  | 'slackApiUrl'
  | 'adminChannelId'
  | 'reminderIntervalSeconds'
  | 'reminderLeaseSeconds'
  | 'reminderMaxAttempts'
>;

export const createBackgroundDeliveries = (deps: {
  services: Services;
  config: BackgroundConfig;
  logger: Logger;
  /** Defaults to a client built for background work (see reminder-client.ts). */
  client?: WebClient;
}) => {
  const { services, config } = deps;
  const logger = deps.logger.child('reminders');
  const client =
    deps.client ??
    createReminderClient({ botToken: config.slackBotToken ?? '', apiUrl: config.slackApiUrl, logger });
  const admins = createAdminMessenger({
    client,
    adminChannelId: config.adminChannelId,
    adminAddresses: () => services.reminders.adminSlackAddresses(),
  });
  const sweep = services.reminders.createSweep(createSlackReminderNotifier({ client, admins }), {
    logger,
    leaseMs: config.reminderLeaseSeconds * 1000,
    maxAttempts: config.reminderMaxAttempts,
  });
  const publisher = config.adminChannelId
    ? createSlackAuditFeedPublisher({ client, channelId: config.adminChannelId })
    : undefined;

  const runReminderSweep = async (control: SweepControl = {}): Promise<SweepSummary> => {
    const summary = await sweep.run(control);
    const busy = summary.claimed + summary.scheduled > 0;
    logger[busy ? 'info' : 'debug'](describeSummary(summary));
    return summary;
  };

  /** One audit-feed round; undefined when there is no ADMIN_CHANNEL_ID to post to. */
  const runAuditFeed = async (control: SweepControl = {}) =>
    publisher ? services.auditFeed.run(publisher, { ...control }) : undefined;

  const seconds = config.reminderIntervalSeconds;
  const offboarding = createOffboardingDeliveries({
    services,
    admins,
    intervalMs: Math.min(seconds, FEED_MAX_INTERVAL_SECONDS) * 1000,
    logger,
  });
  const workers = [
    offboarding,
    createIntervalWorker({
      name: 'reminder sweep',
      intervalMs: seconds * 1000,
      run: runReminderSweep,
      logger,
    }),
    ...(publisher
      ? [
          createIntervalWorker({
            name: 'audit feed',
            intervalMs: Math.min(seconds, FEED_MAX_INTERVAL_SECONDS) * 1000,
            run: runAuditFeed,
            logger,
          }),
        ]
      : []),
  ];

  return {
    client,
    runReminderSweep,
    runAuditFeed,
    /** One round of offboarding notices (the admins are told who left and which tokens went). */
    runOffboardingNotices: offboarding.run,
    start: () => {
      for (const worker of workers) worker.start();
    },
    /** Lets the delivery in flight finish, hands back what was claimed but not tried, and stops. */
    stop: async () => {
      await Promise.all(workers.map((w) => w.stop()));
    },
  };
};

export type BackgroundDeliveries = ReturnType<typeof createBackgroundDeliveries>;
