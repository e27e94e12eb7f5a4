/**
 * When a token's reminders are due, computed with dayjs in UTC from `expires_at`. Pure:
 * the repository turns the same rules into SQL bounds, the sweep re-checks them at
 * claim time, and the tests check both against each other.
 *
 * A reminder kind is `days:<n>` (n days before expiry) or `expired`. At any instant a
 * token has at most one *current* kind: the nearest window that has opened. Only that
 * one is ever delivered, so a token created inside the 30- and 7-day windows gets the
 * 7-day reminder alone, and a sweeper that was down for weeks does not send a burst.
 */
import dayjs from 'dayjs';
import utc from 'dayjs/plugin/utc.js';

dayjs.extend(utc);

export type ReminderKind = `days:${number}` | 'expired';

export const EXPIRED: ReminderKind = 'expired';

/**
 * An expired notice is still worth sending this long after expiry (a sweeper that was
 * down, a first deployment over old data); after that the owner has long noticed.
 */
export const EXPIRED_NOTICE_HORIZON_DAYS = 7;

export const kindForOffset = (days: number): ReminderKind => (days === 0 ? EXPIRED : `days:${days}`);

/** Days before expiry a kind stands for (0 for `expired`); undefined for a kind this code never wrote. */
export const offsetOfKind = (kind: string): number | undefined => {
  if (kind === EXPIRED) return 0;
  const match = /^days:(\d{1,4})$/.exec(kind);
  return match ? Number(match[1]) : undefined;
};

/** Offsets as configured (REMINDER_DAYS), whole days > 0, nearest-to-expiry first. */
export const normalizeOffsets = (days: readonly number[]): number[] =>
  [...new Set(days.filter((d) => Number.isInteger(d) && d > 0))].sort((a, b) => a - b);

/** The instant a kind's window opens for a token. */
export const dueAt = (expiresAt: Date, kind: ReminderKind): Date =>
  dayjs
    .utc(expiresAt)
    .subtract(offsetOfKind(kind) ?? 0, 'day')
    .toDate();

/**
 * The nearest open window at `now`, or undefined when none has opened yet. Windows are
 * closed at the start: a token expiring exactly 7 days from now is in its 7-day window.
 */
export const currentKind = (
  expiresAt: Date,
  now: Date,
  offsets: readonly number[],
): ReminderKind | undefined => {
  const expiry = dayjs.utc(expiresAt);
  const at = dayjs.utc(now);
  if (!expiry.isAfter(at)) return EXPIRED;
  for (const days of normalizeOffsets(offsets)) {
    if (!expiry.subtract(days, 'day').isAfter(at)) return kindForOffset(days);
  }
  return undefined;
};

/** Whole days left, rounded up (a reminder sent a few minutes late still says "7 days"). */
export const daysLeft = (expiresAt: Date, now: Date): number => {
  const ms = expiresAt.getTime() - now.getTime();
  return ms <= 0 ? 0 : Math.ceil(ms / 86_400_000);
};

/**
 * Window boundaries for the sweep's query: a token is in the n-day window at `now` when
 * `expires_at <= now + n days`. Ascending, so the first matching bound is the nearest.
 */
export const windowBounds = (now: Date, offsets: readonly number[]) => {
  const at = dayjs.utc(now);
  return {
    windows: normalizeOffsets(offsets).map((days) => ({
      kind: kindForOffset(days),
      days,
      expiresBy: at.add(days, 'day').toDate(),
    })),
    /** Tokens that expired before this are past their expired notice. */
    expiredSince: at.subtract(EXPIRED_NOTICE_HORIZON_DAYS, 'day').toDate(),
  };
};

/** Exponential backoff for failed deliveries: 30 s, 1 min, 2 min … capped at one hour. */
export const retryDelayMs = (attempts: number, retryAfterMs?: number): number => {
  const exponential = Math.min(30_000 * 2 ** Math.max(0, attempts - 1), 3_600_000);
  return Math.max(exponential, retryAfterMs ?? 0);
};
