/**
 * Builds the Bolt app: HTTP mode (signing secret, Bolt's HTTPReceiver behind our front
 * door) or Socket Mode (app-level token). Listeners are registered in one place.
 */

import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  App,
  type Logger as BoltLogger,
  type LogLevel as BoltLogLevel,
  HTTPReceiver,
  SocketModeReceiver,
} from '@slack/bolt';
import { MAX_BODY_BYTES } from '../http/body.ts';
import { SLACK_EVENTS_PATH } from '../http/server.ts';
import type { Logger, LogLevel } from '../shared/logger.ts';
import type { SlackDeps } from './deps.ts';
import { createHomePublisher } from './home-publisher.ts';
import { registerListeners } from './listeners/index.ts';

export interface SlackCredentials {
  botToken: string;
  signingSecret?: string | undefined;
  appToken?: string | undefined;
  apiUrl?: string | undefined;
}

export interface SlackApp {
  app: App;
  mode: 'http' | 'socket';
  /** Bolt's HTTP request listener for POST /slack/events (HTTP mode only). */
  httpListener?: (req: IncomingMessage, res: ServerResponse) => void;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** Bolt logs through our logger, so its debug output passes the same secret scrubber. */
const toBoltLogger = (logger: Logger): BoltLogger => ({
  debug: (...m) => logger.debug(...m),
  info: (...m) => logger.info(...m),
  warn: (...m) => logger.warn(...m),
  error: (...m) => logger.error(...m),
  setLevel: (level) => logger.setLevel(level as unknown as LogLevel),
  getLevel: () => logger.getLevel() as unknown as BoltLogLevel,
  setName: (name) => logger.setName(name),
});

export const createSlackApp = (
  credentials: SlackCredentials,
  deps: Omit<SlackDeps, 'refreshHomes'>,
): SlackApp => {
  const logger = toBoltLogger(deps.logger.child('bolt'));
  const clientOptions = {
    ...(credentials.apiUrl ? { slackApiUrl: credentials.apiUrl } : {}),
    // Bolt's default retries a failed call for up to 30 minutes; a Slack user waits seconds.
    retryConfig: { retries: 2, factor: 2, minTimeout: 250, maxTimeout: 2000, randomize: true },
    timeout: 10_000,
  };
  let httpListener: SlackApp['httpListener'];
  let app: App;
  if (credentials.appToken) {
    const receiver = new SocketModeReceiver({ appToken: credentials.appToken, logger });
    app = new App({ token: credentials.botToken, receiver, logger, clientOptions });
  } else {
    if (!credentials.signingSecret) throw new Error('SLACK_SIGNING_SECRET is required in HTTP mode');
    const receiver = new HTTPReceiver({
      signingSecret: credentials.signingSecret,
      endpoints: SLACK_EVENTS_PATH,
      bodyLimit: MAX_BODY_BYTES,
      logger,
      // Bolt answers Slack after 3 s even if a listener never acks, so Slack never shows a timeout.
      unhandledRequestTimeoutMillis: 2900,
    });
    app = new App({ token: credentials.botToken, receiver, logger, clientOptions });
    httpListener = receiver.requestListener;
  }
  const refreshHomes = createHomePublisher({ ...deps, client: app.client });
  registerListeners(app, { ...deps, refreshHomes });
  app.error(async (error) => {
    deps.logger.error('unhandled listener error', error);
  });
  return {
    app,
    mode: credentials.appToken ? 'socket' : 'http',
    ...(httpListener ? { httpListener } : {}),
    // In HTTP mode our own server owns the port; only Socket Mode has a connection to start.
    start: async () => {
      if (credentials.appToken) await app.start();
    },
    stop: async () => {
      if (credentials.appToken) await app.stop();
    },
  };
};
