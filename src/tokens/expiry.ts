/** Turning "30d" or "2027-03-01" into an expiry instant, with dayjs in UTC. */
import dayjs from 'dayjs';
import utc from 'dayjs/plugin/utc.js';
import { AppError } from '../shared/errors.ts';

dayjs.extend(utc);

export type ExpiryInput = { inDays: number } | { onDate: string } | { at: Date } | undefined;

export interface ExpiryPolicy {
  defaultDays: number;
  maxDays: number;
}

/**
 * A date means "valid through that whole day, UTC": the token expires at the following
 * midnight UTC, so a reader anywhere sees the date they picked.
 */
export const resolveExpiry = (input: ExpiryInput, now: Date, policy: ExpiryPolicy): Date => {
  const start = dayjs.utc(now);
  let expires: dayjs.Dayjs;
  if (input === undefined) {
    expires = start.add(policy.defaultDays, 'day');
  } else if ('inDays' in input) {
    if (!Number.isInteger(input.inDays) || input.inDays < 1) {
      throw new AppError('tokens.invalid_expiry', 'The lifetime must be at least one whole day');
    }
    expires = start.add(input.inDays, 'day');
  } else if ('onDate' in input) {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(input.onDate) || !dayjs.utc(input.onDate).isValid()) {
      throw new AppError(
        'tokens.invalid_expiry',
        `"${input.onDate.slice(0, 40)}" is not a date (YYYY-MM-DD)`,
      );
    }
    const day = dayjs.utc(input.onDate);
    if (day.format('YYYY-MM-DD') !== input.onDate) {
      throw new AppError('tokens.invalid_expiry', `"${input.onDate}" is not a calendar date`);
    }
    expires = day.add(1, 'day');
  } else {
    expires = dayjs.utc(input.at);
  }
  if (!expires.isAfter(start)) {
    throw new AppError('tokens.invalid_expiry', 'The expiry must be in the future');
  }
  const latest = start.startOf('day').add(policy.maxDays + 1, 'day');
  if (expires.isAfter(latest)) {
    throw new AppError('tokens.invalid_expiry', `Tokens can live at most ${policy.maxDays} days`, {
      maxDays: policy.maxDays,
    });
  }
  return expires.toDate();
};

/** "30d" or "12w" → a number of days; anything else → undefined. */
export const parseDuration = (raw: string): { inDays: number } | undefined => {
  const match = /^(\d{1,4})([dw])$/.exec(raw.trim());
  if (!match) return undefined;
  const n = Number(match[1]);
  return { inDays: match[2] === 'w' ? n * 7 : n };
};
