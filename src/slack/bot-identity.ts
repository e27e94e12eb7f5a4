/**
 * Who the bot is (bot id, bot user id), from `auth.test`, for Bolt's authorize step.
 *
 * Bolt's single-token mode calls auth.test from the App constructor and keeps that one
 * promise for the life of the process: if Slack was unreachable at that instant, the
 * rejection went unhandled and every later request was refused although Slack was back.
 * Here a success is kept and a failure is not: the next request (or the next start-up
 * attempt) simply asks again, and concurrent callers share one call in flight.
 *
 * At start-up `warmUp` asks with a few bounded, backed-off retries. A token Slack refuses
 * outright (`invalid_auth`, `token_revoked`…) is a configuration error that no retry fixes,
 * so it is reported with a one-line reason naming SLACK_BOT_TOKEN; anything else (network,
 * 5xx, rate limits) is transient and leaves the instance running, to ask again on demand.
 */
import type { WebClient } from '@slack/web-api';
import type { Logger } from '../shared/logger.ts';
import { slackErrorCode } from './delivery.ts';

export interface BotIdentity {
  botId: string;
  botUserId: string;
}

/** auth.test answers that mean the token itself is wrong: retrying cannot help. */
export const FATAL_TOKEN_ERRORS: ReadonlySet<string> = new Set([
  'invalid_auth',
  'not_authed',
  'account_inactive',
  'token_revoked',
  'token_expired',
  'not_allowed_token_type',
]);

/** A refused bot token: its message is the one line the process prints before exiting. */
export class BotTokenRejectedError extends Error {
  readonly code = 'slack.bot_token_rejected';
  constructor(readonly slackError: string) {
    super(
      `Slack refused SLACK_BOT_TOKEN (${slackError}): set it to the app's Bot User OAuth Token (xoxb-…). See README.md, section "Create the Slack app from manifest.yml".`,
    );
    this.name = 'BotTokenRejectedError';
  }
}

export interface WarmUpOptions {
  /** How many auth.test attempts start-up makes before it carries on without an answer. */
  attempts: number;
  /** First pause between attempts; each later one doubles, up to `maxDelayMs`. */
  delayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_WARM_UP: WarmUpOptions = { attempts: 5, delayMs: 500, maxDelayMs: 4000 };

export interface BotIdentitySource {
  /** The identity, asking Slack when it is not known yet; rejects when Slack cannot answer. */
  get(): Promise<BotIdentity>;
  /**
   * Start-up: resolves with the identity, or with undefined after `attempts` transient failures
   * (the instance keeps running and asks again on the next request); rejects only with
   * BotTokenRejectedError.
   */
  warmUp(options?: Partial<WarmUpOptions>, signal?: AbortSignal): Promise<BotIdentity | undefined>;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });

export const createBotIdentity = (client: WebClient, logger: Logger): BotIdentitySource => {
  let known: BotIdentity | undefined;
  let inFlight: Promise<BotIdentity> | undefined;

  const ask = async (): Promise<BotIdentity> => {
    try {
      const result = await client.auth.test();
      if (typeof result.bot_id !== 'string' || typeof result.user_id !== 'string') {
        // A user token (xoxp-) answers auth.test without a bot id.
        throw new BotTokenRejectedError('not_a_bot_token');
      }
      known = { botId: result.bot_id, botUserId: result.user_id };
      return known;
    } catch (error) {
      if (error instanceof BotTokenRejectedError) throw error;
      const code = slackErrorCode(error);
      if (FATAL_TOKEN_ERRORS.has(code)) throw new BotTokenRejectedError(code);
      throw error;
    }
  };

  const get = (): Promise<BotIdentity> => {
    if (known) return Promise.resolve(known);
    inFlight ??= ask().finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  };

  const warmUp: BotIdentitySource['warmUp'] = async (options = {}, signal) => {
    const { attempts, delayMs, maxDelayMs } = { ...DEFAULT_WARM_UP, ...options };
    let pause = delayMs;
    for (let attempt = 1; attempt <= attempts && !signal?.aborted; attempt += 1) {
      try {
        return await get();
      } catch (error) {
        if (error instanceof BotTokenRejectedError) throw error;
        const last = attempt === attempts;
        logger.warn(
          `Slack did not answer auth.test (attempt ${attempt} of ${attempts}: ${slackErrorCode(error)})${
            last ? '; carrying on, the next Slack request will ask again' : `; retrying in ${pause} ms`
          }`,
        );
        if (last) break;
        await sleep(pause, signal);
        pause = Math.min(pause * 2, maxDelayMs);
      }
    }
    return undefined;
  };

  return { get, warmUp };
};
