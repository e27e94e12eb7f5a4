import { sql } from 'drizzle-orm';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import {
  currentKind,
  daysLeft,
  dueAt,
  normalizeOffsets,
  offsetOfKind,
  retryDelayMs,
} from '../../src/reminders/reminder-schedule.ts';
import { OPERATOR } from '../../src/shared/actor.ts';
import { makeServices } from '../support/services.ts';
import { engineName, getTestDatabase, rowsOf } from '../support/test-database.ts';

const DAY = 86_400_000;
const NOW = new Date('2026-03-29T12:00:00Z');
const OFFSETS = [30, 7, 1];

describe('reminder windows, in UTC', () => {
  test('windows open exactly N whole days before expiry, closed at the start', () => {
    const expiry = new Date('2026-04-05T12:00:00Z');
    expect(currentKind(expiry, new Date(expiry.getTime() - 31 * DAY), OFFSETS)).toBeUndefined();
    expect(currentKind(expiry, new Date(expiry.getTime() - 30 * DAY - 1), OFFSETS)).toBeUndefined();
    expect(currentKind(expiry, new Date(expiry.getTime() - 30 * DAY), OFFSETS)).toBe('days:30');
    expect(currentKind(expiry, new Date(expiry.getTime() - 7 * DAY), OFFSETS)).toBe('days:7');
    expect(currentKind(expiry, new Date(expiry.getTime() - DAY + 1), OFFSETS)).toBe('days:1');
    expect(currentKind(expiry, expiry, OFFSETS)).toBe('expired');
  });

  test('a day is 24 hours whatever daylight saving does somewhere', () => {
    // 2026-03-29 is the EU spring-forward day; in UTC nothing moves.
    const expiry = new Date('2026-04-05T00:30:00Z');
    expect(dueAt(expiry, 'days:7').toISOString()).toBe('2026-03-29T00:30:00.000Z');
    expect(dueAt(expiry, 'days:30').toISOString()).toBe('2026-03-06T00:30:00.000Z');
  });

  test('the current kind is always a due window, and no nearer window is due', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -10 * DAY, max: 400 * DAY }),
        fc.uniqueArray(fc.integer({ min: 1, max: 365 }), { maxLength: 5 }),
        (remaining, offsets) => {
          const expiry = new Date(NOW.getTime() + remaining);
          const kind = currentKind(expiry, NOW, offsets);
          const due = normalizeOffsets(offsets).filter((d) => dueAt(expiry, `days:${d}`) <= NOW);
          if (remaining <= 0) return kind === 'expired';
          if (due.length === 0) return kind === undefined;
          return kind === `days:${Math.min(...due)}` && offsetOfKind(kind) === Math.min(...due);
        },
      ),
    );
  });

  test('days left round up, so a reminder a few minutes late still says "7 days"', () => {
    expect(daysLeft(new Date(NOW.getTime() + 7 * DAY - 5 * 60_000), NOW)).toBe(7);
    expect(daysLeft(new Date(NOW.getTime() + 1), NOW)).toBe(1);
    expect(daysLeft(NOW, NOW)).toBe(0);
  });

  test('backoff doubles from 30 s, is capped at an hour, and honours Retry-After', () => {
    expect([1, 2, 3, 4].map((a) => retryDelayMs(a))).toEqual([30_000, 60_000, 120_000, 240_000]);
    expect(retryDelayMs(30)).toBe(3_600_000);
    expect(retryDelayMs(1, 90_000)).toBe(90_000);
  });

  test('REMINDER_DAYS is normalized: whole positive days, nearest first, no repeats', () => {
    expect(normalizeOffsets([30, 7, 1, 7, 0])).toEqual([1, 7, 30]);
  });
});

describe(`the scheduling SQL agrees with the windows on ${engineName()}`, () => {
  test('each active token gets exactly the row of its current window, and a second run adds nothing', async () => {
    const handle = await getTestDatabase();
    const s = makeServices(handle);
    const { user } = await s.users.addUser(OPERATOR, { email: 'owner@example.com' });
    // Expiries at awkward instants around every boundary, plus far future and long past.
    const remaining = [
      -8 * DAY,
      -7 * DAY + 1000,
      -1,
      0,
      1,
      DAY - 1,
      DAY,
      DAY + 1,
      7 * DAY,
      7 * DAY + 1,
      30 * DAY - 1,
      30 * DAY,
      30 * DAY + 1,
      200 * DAY,
    ];
    const values = remaining.map(
      (ms, i) =>
        sql`(${`tok${String(i).padStart(9, '0')}`}, 'n', 'h', ${user.id}::uuid, ${NOW.toISOString()}::timestamptz, ${new Date(NOW.getTime() + ms).toISOString()}::timestamptz)`,
    );
    await handle.db.execute(
      sql`insert into api_tokens (id, name, secret_hash, owner_id, created_at, expires_at) values ${sql.join(values, sql`, `)}`,
    );
    const created = await s.repos.reminders.schedule(handle.db, NOW, OFFSETS);
    expect(await s.repos.reminders.schedule(handle.db, NOW, OFFSETS)).toBe(0);
    const rows = rowsOf<{ token_id: string; kind: string }>(
      await handle.db.execute(sql`select token_id, kind from reminder_deliveries order by token_id`),
    );
    const expected = remaining
      .map((ms, i) => ({
        token_id: `tok${String(i).padStart(9, '0')}`,
        kind: ms <= -7 * DAY ? undefined : currentKind(new Date(NOW.getTime() + ms), NOW, OFFSETS),
      }))
      .filter((r) => r.kind !== undefined);
    expect(rows).toEqual(expected);
    expect(created).toBe(expected.length);
  });
});
