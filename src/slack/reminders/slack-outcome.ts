/**
 * Slack's answers as delivery outcomes. Permanent means "the same call will fail the same
 * way": the recipient is gone, a bot, unreachable, or the message itself is unacceptable.
 * Everything else — 5xx, 429, timeouts, network errors, and credential or scope problems
 * an operator can fix — is retried later with backoff.
 */
import { ErrorCode } from '@slack/web-api';
import type { DeliveryOutcome } from '../../reminders/reminders.models.ts';

/** Slack's error code (`channel_not_found`…) or the client's, never the request it carried. */
export const slackErrorCode = (error: unknown): string => {
  const data = (error as { data?: { error?: unknown } } | null)?.data;
  if (typeof data?.error === 'string') return data.error;
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : 'unknown_error';
};

/** The recipient cannot receive a DM from us, now or later. */
export const RECIPIENT_GONE: ReadonlySet<string> = new Set([
  'user_not_found',
  'account_inactive',
  'cannot_dm_bot',
  'channel_not_found',
  'user_disabled',
  'is_archived',
]);

/** The message will never be accepted as it is. */
export const MESSAGE_REFUSED: ReadonlySet<string> = new Set([
  'invalid_blocks',
  'msg_too_long',
  'no_text',
  'invalid_arguments',
]);

export const outcomeOf = (
  error: unknown,
  permanent: ReadonlySet<string> = RECIPIENT_GONE,
): DeliveryOutcome => {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === ErrorCode.RateLimitedError) {
    const seconds = Number((error as { retryAfter?: unknown }).retryAfter);
    return {
      ok: false,
      permanent: false,
      error: 'ratelimited',
      retryAfterMs: Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : 60_000,
    };
  }
  if (code === ErrorCode.HTTPError) {
    const status = (error as { statusCode?: unknown }).statusCode;
    return { ok: false, permanent: false, error: `http_${String(status)}` };
  }
  if (code === ErrorCode.RequestError) return { ok: false, permanent: false, error: 'request_failed' };
  if (code === ErrorCode.PlatformError) {
    const slack = slackErrorCode(error);
    return { ok: false, permanent: permanent.has(slack) || MESSAGE_REFUSED.has(slack), error: slack };
  }
  return { ok: false, permanent: false, error: slackErrorCode(error) };
};
