import { describe, expect, test } from 'vitest';
import { type Attempt, createAttemptLimiter } from '../../src/verification/attempt-limiter.ts';

const limits = { perClient: 3, perAddress: 8, perToken: 6, windowMs: 60_000, maxTracked: 100 };

/** A wrong guess at `id` from `ip` (each guess is a different token, so a different key). */
const guess = (id: string, ip: string | null, n = 0): Attempt => ({ id, ip, key: `wrong-${id}-${ip}-${n}` });
const holder = (id: string, ip: string): Attempt => ({ id, ip, key: `right-${id}` });

/** Charges and fails `times` guesses, each allowed first. */
const fail = (limiter: ReturnType<typeof createAttemptLimiter>, id: string, ip: string | null, times = 1) => {
  for (let i = 0; i < times; i++) {
    const attempt = guess(id, ip, i);
    expect(limiter.check(attempt, 0).allowed, `${id} from ${ip}, guess ${i}`).toBe(true);
    limiter.charge(attempt, 0);
    limiter.failed(attempt);
  }
};

describe('the attempt limiter', () => {
  test('an address is refused for an id once it reaches the limit, until its window ends', () => {
    const limiter = createAttemptLimiter(limits);
    for (let i = 0; i < 3; i++) {
      expect(limiter.check(guess('abc', '198.51.100.6'), 1000 + i).allowed).toBe(true);
      limiter.charge(guess('abc', '198.51.100.6'), 1000 + i);
    }
    expect(limiter.check(guess('abc', '198.51.100.6'), 2000)).toEqual({
      allowed: false,
      retryAfterMs: 59_000,
    });
    expect(limiter.check(guess('abc', '198.51.100.6'), 60_999).allowed).toBe(false);
    expect(limiter.check(guess('abc', '198.51.100.6'), 61_000).allowed).toBe(true);
  });

  test("an attacker's failures lock out the attacker's address, not the holder's", () => {
    const limiter = createAttemptLimiter(limits);
    fail(limiter, 'abc', '198.51.100.6', 3);
    expect(limiter.check(guess('abc', '198.51.100.6', 9), 0).allowed).toBe(false);
    expect(limiter.check(holder('abc', '203.0.113.7'), 0).allowed).toBe(true);
    expect(limiter.check(guess('xyz', '198.51.100.6'), 0).allowed).toBe(true);
  });

  test('past the per-id ceiling an address that failed is refused, and a fresh one (the holder) is not', () => {
    const limiter = createAttemptLimiter(limits);
    // Three addresses, two guesses each: six failures on the id, none at its per-address limit.
    for (const ip of ['198.51.100.1', '198.51.100.2', '198.51.100.3']) fail(limiter, 'abc', ip, 2);
    expect(limiter.check(guess('abc', '198.51.100.1', 7), 0).allowed).toBe(false);
    expect(limiter.check(holder('abc', '203.0.113.7'), 0).allowed).toBe(true);
    // Each further attacking address gets one try, not three.
    fail(limiter, 'abc', '198.51.100.4', 1);
    expect(limiter.check(guess('abc', '198.51.100.4', 8), 0).allowed).toBe(false);
  });

  test('one address guessing across many ids is stopped by the per-address limit', () => {
    const limiter = createAttemptLimiter(limits);
    for (let i = 0; i < 8; i++) fail(limiter, `id${i}`, '198.51.100.6');
    expect(limiter.check(guess('id99', '198.51.100.6'), 0).allowed).toBe(false);
    expect(limiter.check(guess('id99', '198.51.100.7'), 0).allowed).toBe(true);
  });

  test('a token that verified before is let through whatever the counts, until it fails', () => {
    const limiter = createAttemptLimiter(limits);
    const mine = holder('abc', '198.51.100.6');
    limiter.charge(mine, 0);
    limiter.succeeded(mine, 0);
    // The attacker shares the holder's address (a NAT) and exhausts every limit that applies.
    fail(limiter, 'abc', '198.51.100.6', 3);
    for (let i = 3; i < 8; i++) fail(limiter, `other${i}`, '198.51.100.6');
    expect(limiter.check(guess('abc', '198.51.100.6', 9), 0).allowed).toBe(false);
    expect(limiter.check(mine, 0).allowed).toBe(true);
    // It was revoked meanwhile: its first failure ends the pass.
    limiter.charge(mine, 0);
    limiter.failed(mine);
    expect(limiter.check(mine, 0).allowed).toBe(false);
  });

  test('without a client address, attempts count per id under an address of their own', () => {
    const limiter = createAttemptLimiter(limits);
    fail(limiter, 'abc', null, 3);
    expect(limiter.check(guess('abc', null, 9), 0).allowed).toBe(false);
    expect(limiter.check(guess('abc', '203.0.113.7'), 0).allowed).toBe(true);
    expect(limiter.check(guess('xyz', null), 0).allowed).toBe(true);
  });

  test('a forgiven or successful attempt does not count', () => {
    const limiter = createAttemptLimiter(limits);
    fail(limiter, 'abc', '198.51.100.6', 2);
    limiter.charge(guess('abc', '198.51.100.6', 5), 0);
    limiter.forgive(guess('abc', '198.51.100.6', 5), 0);
    limiter.charge(holder('abc', '198.51.100.6'), 0);
    limiter.succeeded(holder('abc', '198.51.100.6'), 0);
    expect(limiter.check(guess('abc', '198.51.100.6', 6), 0).allowed).toBe(true);
  });

  test('the tables stay bounded, forgetting the oldest window first', () => {
    const limiter = createAttemptLimiter({ ...limits, maxTracked: 2 });
    for (const id of ['a', 'b', 'c']) {
      for (let i = 0; i < 3; i++) limiter.charge(guess(id, '198.51.100.6', i), 0);
    }
    expect(limiter.tracked()).toBe(2 + 1 + 2);
    expect(limiter.check(guess('c', '198.51.100.6'), 0).allowed).toBe(false);
    expect(limiter.check(guess('a', '198.51.100.7'), 0).allowed).toBe(true);
  });

  test('pruning drops finished windows only', () => {
    const limiter = createAttemptLimiter(limits);
    limiter.charge(guess('old', '198.51.100.6'), 0);
    limiter.charge(guess('new', '198.51.100.7'), 30_000);
    limiter.prune(60_000);
    expect(limiter.tracked()).toBe(3);
  });
});
