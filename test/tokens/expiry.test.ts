/** Expiry resolution in UTC: defaults, day counts, "valid through" dates and the policy bounds. */
import { describe, expect, test } from 'vitest';
import { type ExpiryPolicy, parseDuration, resolveExpiry } from '../../src/tokens/expiry.ts';

const POLICY: ExpiryPolicy = { defaultDays: 90, maxDays: 365 };
const NOW = new Date('2026-06-01T12:00:00Z');
const DAY = 86_400_000;

const iso = (input: Parameters<typeof resolveExpiry>[0], now = NOW, policy = POLICY) =>
  resolveExpiry(input, now, policy).toISOString();
const refusal = (input: Parameters<typeof resolveExpiry>[0], now = NOW, policy = POLICY) => {
  try {
    resolveExpiry(input, now, policy);
  } catch (error) {
    expect(error).toMatchObject({ code: 'tokens.invalid_expiry' });
    return (error as Error).message;
  }
  throw new Error('expected a refusal');
};

describe('resolveExpiry', () => {
  test('no input means the default lifetime from now', () => {
    expect(iso(undefined)).toBe('2026-08-30T12:00:00.000Z');
    expect(iso(undefined, NOW, { defaultDays: 1, maxDays: 1 })).toBe('2026-06-02T12:00:00.000Z');
  });

  test('a number of days counts whole 24-hour days from now, across month ends and DST dates alike', () => {
    expect(iso({ inDays: 1 })).toBe('2026-06-02T12:00:00.000Z');
    expect(iso({ inDays: 30 })).toBe('2026-07-01T12:00:00.000Z');
    // 2026-03-29 is a DST change in Europe; in UTC a day is a day.
    const march = new Date('2026-03-28T12:00:00Z');
    expect(resolveExpiry({ inDays: 2 }, march, POLICY).getTime() - march.getTime()).toBe(2 * DAY);
  });

  test('fewer than one day, or a fraction of a day, is refused', () => {
    for (const inDays of [0, -1, 0.5, 1.5, Number.NaN])
      expect(refusal({ inDays })).toMatch(/at least one whole day/);
  });

  test('exactly the maximum lifetime is allowed; a day more is refused with the limit', () => {
    expect(iso({ inDays: 365 })).toBe('2027-06-01T12:00:00.000Z');
    expect(refusal({ inDays: 366 })).toBe('Tokens can live at most 365 days');
    expect(() => resolveExpiry({ inDays: 366 }, NOW, POLICY)).toThrow(
      expect.objectContaining({ details: { maxDays: 365 } }),
    );
  });

  test('a date means valid through that whole UTC day: it expires at the next midnight UTC', () => {
    expect(iso({ onDate: '2026-07-01' })).toBe('2026-07-02T00:00:00.000Z');
    expect(iso({ onDate: '2026-06-30' })).toBe('2026-07-01T00:00:00.000Z');
    expect(iso({ onDate: '2026-12-31' })).toBe('2027-01-01T00:00:00.000Z');
    // Today is allowed (valid for the rest of the day), even a minute before midnight.
    expect(iso({ onDate: '2026-06-01' })).toBe('2026-06-02T00:00:00.000Z');
    expect(iso({ onDate: '2026-06-01' }, new Date('2026-06-01T23:59:00Z'))).toBe('2026-06-02T00:00:00.000Z');
  });

  test('the last allowed date is the day maxDays from today; the day after is refused', () => {
    expect(iso({ onDate: '2027-06-01' })).toBe('2027-06-02T00:00:00.000Z');
    expect(refusal({ onDate: '2027-06-02' })).toBe('Tokens can live at most 365 days');
  });

  test('past dates are refused', () => {
    expect(refusal({ onDate: '2026-05-31' })).toBe('The expiry must be in the future');
    expect(refusal({ onDate: '1970-01-01' })).toBe('The expiry must be in the future');
  });

  test('anything but a real YYYY-MM-DD calendar date is refused', () => {
    for (const onDate of ['2026-6-1', '01/07/2026', '2026-07-01T00:00:00Z', 'tomorrow', '', ' 2026-07-01']) {
      expect(refusal({ onDate })).toMatch(/is not a date/);
    }
    for (const onDate of ['2026-02-29', '2026-02-30', '2026-04-31', '2026-13-01', '2026-00-10']) {
      expect(refusal({ onDate })).toMatch(/not (a calendar date|a date)/);
    }
    expect(iso({ onDate: '2028-02-29' }, new Date('2028-01-01T00:00:00Z'))).toBe('2028-03-01T00:00:00.000Z');
  });

  test('an instant must lie strictly in the future and within the maximum', () => {
    expect(iso({ at: new Date('2026-06-01T12:00:01Z') })).toBe('2026-06-01T12:00:01.000Z');
    expect(refusal({ at: NOW })).toBe('The expiry must be in the future');
    expect(refusal({ at: new Date(NOW.getTime() - 1) })).toBe('The expiry must be in the future');
    expect(iso({ at: new Date('2027-06-02T00:00:00Z') })).toBe('2027-06-02T00:00:00.000Z');
    expect(refusal({ at: new Date('2027-06-02T00:00:00.001Z') })).toBe('Tokens can live at most 365 days');
  });
});

describe('parseDuration', () => {
  test('days and weeks', () => {
    expect(parseDuration('30d')).toEqual({ inDays: 30 });
    expect(parseDuration('1d')).toEqual({ inDays: 1 });
    expect(parseDuration('12w')).toEqual({ inDays: 84 });
    expect(parseDuration('9999w')).toEqual({ inDays: 69993 });
    expect(parseDuration(' 7d\n')).toEqual({ inDays: 7 });
  });

  test('zero parses, and is then refused by resolveExpiry', () => {
    expect(parseDuration('0d')).toEqual({ inDays: 0 });
    expect(refusal(parseDuration('0d'))).toMatch(/at least one whole day/);
  });

  test('anything else is not a duration', () => {
    for (const raw of [
      '',
      '30',
      'd',
      '30D',
      '30 d',
      '1.5d',
      '-1d',
      '+1d',
      '12345d',
      '3m',
      '1y',
      '30dd',
      'thirty',
    ]) {
      expect(parseDuration(raw), raw).toBeUndefined();
    }
  });
});
