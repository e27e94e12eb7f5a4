/**
 * The WebClient background deliveries use (reminders, escalations, the audit feed). Unlike
 * Bolt's client it never waits inside a call: no retries, rate limits rejected at once with
 * their Retry-After, a 10 s timeout. The sweep's own backoff, stored in Postgres, does the
 * retrying, so a claim is never held for minutes by a client sleeping on a 429.
 */
import { LogLevel, type Logger as SlackLogger, WebClient } from '@slack/web-api';
import type { Logger } from '../../shared/logger.ts';

export const REMINDER_CLIENT_TIMEOUT_MS = 10_000;

const toSlackLogger = (logger: Logger): SlackLogger => ({
  debug: (...m) => logger.debug(...m),
  info: (...m) => logger.info(...m),
  warn: (...m) => logger.warn(...m),
  error: (...m) => logger.error(...m),
  setLevel: () => undefined,
  getLevel: () => LogLevel.DEBUG,
  setName: () => undefined,
});

export const createReminderClient = (options: {
  botToken: string;
  apiUrl?: string | undefined;
  logger: Logger;
  /** Per call (default REMINDER_CLIENT_TIMEOUT_MS); tests shorten it to meet a late answer. */
  timeoutMs?: number;
}): WebClient =>
  new WebClient(options.botToken, {
    ...(options.apiUrl ? { slackApiUrl: options.apiUrl } : {}),
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    timeout: options.timeoutMs ?? REMINDER_CLIENT_TIMEOUT_MS,
    logger: toSlackLogger(options.logger),
  });
