/**
 * Assembles one Tokendesk instance from an open, migrated database: services, the
 * Slack app, the HTTP front door (health, verification API, Slack request URL) and the
 * background workers. Tests build instances through this same function.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Config } from './config.ts';
import type { DatabaseHandle } from './db/client.ts';
import { apiRoutes } from './http/api/routes.ts';
import { healthRoute } from './http/health.ts';
import { createHttpServer, type Route } from './http/server.ts';
import { createServices } from './services.ts';
import { type Clock, systemClock } from './shared/clock.ts';
import type { Logger } from './shared/logger.ts';
import type { RandomSource } from './shared/random.ts';
import { createSlackApp, type SlackAppOptions } from './slack/app.ts';
import { createBackgroundDeliveries } from './slack/reminders/background.ts';
import type { TokenHasher } from './tokens/token-hashing.ts';
import { createVerification, type VerificationDeps } from './verification/verification.ts';

export interface TokendeskOptions {
  config: Config;
  handle: DatabaseHandle;
  logger: Logger;
  clock?: Clock;
  random?: RandomSource;
  hasher?: TokenHasher;
  /** Limits and timings of the verification API (tests shorten them). */
  verification?: Pick<VerificationDeps, 'limits' | 'recorder' | 'bus'>;
  /** Slack start-up timings (tests shorten the auth.test retries). */
  slack?: SlackAppOptions;
}

export const requireSlackCredentials = (config: Config) => {
  const missing: string[] = [];
  if (!config.slackBotToken) missing.push('SLACK_BOT_TOKEN');
  if (!config.slackAppToken && !config.slackSigningSecret)
    missing.push('SLACK_SIGNING_SECRET (or SLACK_APP_TOKEN for Socket Mode)');
  return missing;
};

export const createTokendesk = async (options: TokendeskOptions) => {
  const { config, handle, logger } = options;
  const clock = options.clock ?? systemClock;
  const services = createServices({
    db: handle.db,
    config,
    clock,
    ...(options.random ? { random: options.random } : {}),
    ...(options.hasher ? { hasher: options.hasher } : {}),
  });
  const slack = createSlackApp(
    {
      botToken: config.slackBotToken ?? '',
      signingSecret: config.slackSigningSecret,
      appToken: config.slackAppToken,
      apiUrl: config.slackApiUrl,
    },
    { services, config, clock, logger },
    options.slack,
  );
  const verification = createVerification({
    services,
    handle,
    config,
    logger: logger.child('verification'),
    ...options.verification,
  });
  const routes: Route[] = [
    healthRoute(handle),
    ...apiRoutes({
      verifier: verification.verifier,
      logger,
      introspectionSecret: config.introspectionSecret,
      trustedProxyHops: config.trustedProxyHops,
    }),
  ];
  const server: Server = createHttpServer({ routes, slackListener: slack.httpListener, logger });
  const background = createBackgroundDeliveries({ services, config, logger });
  let stopped = false;

  return {
    services,
    slack,
    server,
    /** One reminder sweep now (tests and `tokendesk reminders run`); resolves to its counts. */
    runReminderSweep: background.runReminderSweep,
    /** One audit-feed round now; undefined without ADMIN_CHANNEL_ID. */
    runAuditFeed: background.runAuditFeed,
    /** One round of offboarding notices now. */
    runOffboardingNotices: background.runOffboardingNotices,
    verification,
    /**
     * Listens on `port` (0 = any free port) and resolves to the port actually bound. /healthz
     * answers while Slack is still being reached; a bot token Slack refuses rejects, with
     * everything started so far stopped again.
     */
    start: async (port: number): Promise<number> => {
      await verification.start();
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, '0.0.0.0', () => resolve());
      });
      try {
        await slack.start();
        // Stopped while Slack was being reached: start nothing more.
        if (stopped) return (server.address() as AddressInfo | null)?.port ?? port;
      } catch (error) {
        if (stopped) throw error;
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
        await verification.stop();
        throw error;
      }
      background.start();
      return (server.address() as AddressInfo).port;
    },
    /**
     * Stops taking requests, lets in-flight ones finish (including Slack listener work that
     * outlived its ack), then stops the workers.
     */
    stop: async (): Promise<void> => {
      stopped = true;
      await slack.stop();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      await slack.drain();
      await background.stop();
      await verification.stop();
    },
  };
};

export type Tokendesk = Awaited<ReturnType<typeof createTokendesk>>;
