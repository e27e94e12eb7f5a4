import type { Config } from '../config.ts';
import type { Services } from '../services.ts';
import type { Clock } from '../shared/clock.ts';
import type { Logger } from '../shared/logger.ts';

export type SlackConfig = Pick<
  Config,
  'slashCommand' | 'tokenDefaultDays' | 'tokenMaxDays' | 'adminChannelId' | 'reminderDays'
>;

/** What every listener gets: the use-cases, settings, the clock and a logger. Never the database. */
export interface SlackDeps {
  services: Services;
  config: SlackConfig;
  clock: Clock;
  logger: Logger;
  /**
   * Refreshes the App Home of the Slack users linked to these Tokendesk users (after a
   * change), and with `admins: true` every admin's too, since the admin page shows counts and
   * expiring tokens of everyone. Never throws: failures are logged.
   */
  refreshHomes: (userIds: string[], options?: RefreshOptions) => Promise<void>;
}

export interface RefreshOptions {
  /** Also refresh every active admin's Home (the admin page). */
  admins?: boolean;
}
