/**
 * Builds the Bolt app: HTTP mode (signing secret, Bolt's HTTPReceiver behind our front
 * door) or Socket Mode (app-level token). Listeners are registered in one place.
 *
 * The bot token reaches Bolt through `authorize` rather than `token`: with `token`, Bolt
 * runs auth.test inside its constructor and caches that one promise forever, so a Slack
 * outage at boot became an unhandled rejection and a permanently refusing instance.
 * bot-identity.ts asks again until Slack answers (see there).
 */

import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  App,
  type Logger as BoltLogger,
  type LogLevel as BoltLogLevel,
  HTTPReceiver,
  SocketModeReceiver,
} from '@slack/bolt';
import { WebClient, type WebClientOptions } from '@slack/web-api';
import { MAX_BODY_BYTES } from '../http/body.ts';
import { SLACK_EVENTS_PATH } from '../http/server.ts';
import { guardSlackRequests } from '../http/slack-request-guard.ts';
import type { Logger, LogLevel } from '../shared/logger.ts';
import { createBotIdentity, type WarmUpOptions } from './bot-identity.ts';
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
  /** POST /slack/events (HTTP mode only): Bolt's receiver behind the request guard. */
  httpListener?: (req: IncomingMessage, res: ServerResponse) => Promise<void>;
  start(): Promise<void>;
  /** Stops taking Slack payloads: closes the Socket Mode connection (HTTP mode: the server owns that). */
  stop(): Promise<void>;
  /**
   * Waits (at most `timeoutMs`) for listener work still running after its ack — a token being
   * generated and delivered, a Home being refreshed — so a shutdown does not cut it off.
   */
  drain(timeoutMs?: number): Promise<void>;
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

export interface SlackAppOptions {
  /** auth.test retries at start-up (tests shorten them). */
  warmUp?: Partial<WarmUpOptions>;
  /** How long one Web API call may take before it counts as failed (tests shorten it). */
  callTimeoutMs?: number;
}

/** One Web API call's time limit: Slack answers in well under a second when it is well. */
const CALL_TIMEOUT_MS = 10_000;

/** How long a shutdown waits for listener work that outlived its ack. */
const DRAIN_TIMEOUT_MS = 15_000;

/** auth.test runs inside Bolt's authorize step, before a listener can ack: it must be quick. */
const IDENTITY_TIMEOUT_MS = 2500;

export const createSlackApp = (
  credentials: SlackCredentials,
  deps: Omit<SlackDeps, 'refreshHomes'>,
  options: SlackAppOptions = {},
): SlackApp => {
  const logger = toBoltLogger(deps.logger.child('bolt'));
  const clientOptions: WebClientOptions = {
    ...(credentials.apiUrl ? { slackApiUrl: credentials.apiUrl } : {}),
    // Bolt's default retries a failed call for up to 30 minutes; a Slack user waits seconds.
    retryConfig: { retries: 2, factor: 2, minTimeout: 250, maxTimeout: 2000, randomize: true },
    timeout: options.callTimeoutMs ?? CALL_TIMEOUT_MS,
    logger,
  };
  const identity = createBotIdentity(
    new WebClient(credentials.botToken, {
      ...clientOptions,
      retryConfig: { retries: 0 },
      timeout: IDENTITY_TIMEOUT_MS,
    }),
    deps.logger.child('slack'),
  );
  const authorize = async ({ isEnterpriseInstall }: { isEnterpriseInstall: boolean }) => ({
    isEnterpriseInstall,
    botToken: credentials.botToken,
    ...(await identity.get()),
  });
  // Bolt keeps (and amends) the options object it is given; each App gets its own copy.
  // Without logLevel, Bolt would setLevel(INFO) on our logger and LOG_LEVEL=debug would never
  // reach Bolt or web-api (whose debug lines carry request bodies; the scrubber handles those).
  const appOptions = () => ({
    authorize,
    logger,
    logLevel: logger.getLevel(),
    clientOptions: { ...clientOptions },
  });
  let httpListener: SlackApp['httpListener'];
  let app: App;
  if (credentials.appToken) {
    const receiver = new SocketModeReceiver({
      appToken: credentials.appToken,
      logger,
      // Its own WebClient calls apps.connections.open; without this it would ignore SLACK_API_URL.
      // Only the URL: its retry policy (reconnect for as long as it takes) suits a connection.
      installerOptions: {
        clientOptions: credentials.apiUrl ? { slackApiUrl: credentials.apiUrl } : {},
      },
    });
    app = new App({ ...appOptions(), receiver });
  } else {
    if (!credentials.signingSecret) throw new Error('SLACK_SIGNING_SECRET is required in HTTP mode');
    const receiver = new HTTPReceiver({
      signingSecret: credentials.signingSecret,
      endpoints: SLACK_EVENTS_PATH,
      bodyLimit: MAX_BODY_BYTES,
      logger,
      // Bolt answers Slack after 3 s even if a listener never acks, so Slack never shows a timeout.
      unhandledRequestTimeoutMillis: 2900,
      // The guard in front of it has already verified the signature and the timestamp (a
      // stricter check than Bolt's, which lets future timestamps through): once is enough.
      signatureVerification: false,
    });
    app = new App({ ...appOptions(), receiver });
    // Nothing reaches Bolt but through the guard: Slack's request URL is this listener.
    httpListener = guardSlackRequests(receiver.requestListener, { signingSecret: credentials.signingSecret });
  }
  // Slack is answered at the ack; the listener's real work goes on afterwards. Global middleware
  // wraps every listener run, so shutting down can wait for what is still in flight.
  const inFlight = new Set<Promise<unknown>>();
  app.use(async ({ next }) => {
    const run = next();
    inFlight.add(run);
    try {
      await run;
    } finally {
      inFlight.delete(run);
    }
  });
  // With `authorize`, app.client carries no token; background work gets its own client.
  const client = new WebClient(credentials.botToken, clientOptions);
  const refreshHomes = createHomePublisher({ ...deps, client });
  registerListeners(app, { ...deps, refreshHomes });
  app.error(async (error) => {
    deps.logger.error('unhandled listener error', error);
  });
  const stopping = new AbortController();
  return {
    app,
    mode: credentials.appToken ? 'socket' : 'http',
    ...(httpListener ? { httpListener } : {}),
    // Rejects only when Slack refuses the bot token; a Slack outage leaves the instance up.
    // In HTTP mode our own server owns the port; only Socket Mode has a connection to start.
    start: async () => {
      await identity.warmUp(options.warmUp, stopping.signal);
      if (credentials.appToken) await app.start();
    },
    stop: async () => {
      stopping.abort();
      if (credentials.appToken) await app.stop();
    },
    drain: async (timeoutMs = DRAIN_TIMEOUT_MS) => {
      if (inFlight.size === 0) return;
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), timeoutMs);
      });
      const outcome = await Promise.race([Promise.allSettled([...inFlight]).then(() => 'done'), timedOut]);
      clearTimeout(timer);
      if (outcome === 'timeout') {
        deps.logger.warn(
          `stopping with ${inFlight.size} Slack listener(s) still running after ${timeoutMs} ms`,
        );
      }
    },
  };
};
