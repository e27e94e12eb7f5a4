import { describe, expect, test } from 'vitest';
import { createAttemptLimiter } from '../../src/verification/attempt-limiter.ts';

const limits = { maxFailures: 3, windowMs: 60_000, maxTracked: 100 };

describe('the attempt limiter', () => {
  test('an id is refused once it reaches the limit, until its window ends', () => {
    const limiter = createAttemptLimiter(limits);
    for (let i = 0; i < 3; i++) {
      expect(limiter.check('abc', 1000 + i).allowed).toBe(true);
      limiter.recordFailure('abc', 1000 + i);
    }
    expect(limiter.check('abc', 2000)).toEqual({ allowed: false, retryAfterMs: 59_000 });
    expect(limiter.check('abc', 60_999).allowed).toBe(false);
    expect(limiter.check('abc', 61_000).allowed).toBe(true);
  });

  test('other ids are not affected', () => {
    const limiter = createAttemptLimiter(limits);
    for (let i = 0; i < 3; i++) limiter.recordFailure('abc', 0);
    expect(limiter.check('abc', 0).allowed).toBe(false);
    expect(limiter.check('xyz', 0).allowed).toBe(true);
  });

  test('a forgiven attempt does not count', () => {
    const limiter = createAttemptLimiter(limits);
    for (let i = 0; i < 3; i++) limiter.recordFailure('abc', 0);
    limiter.forgive('abc', 0);
    expect(limiter.check('abc', 0).allowed).toBe(true);
  });

  test('the table stays bounded, forgetting the oldest window first', () => {
    const limiter = createAttemptLimiter({ ...limits, maxTracked: 2 });
    for (const id of ['a', 'b', 'c']) for (let i = 0; i < 3; i++) limiter.recordFailure(id, 0);
    expect(limiter.tracked()).toBe(2);
    expect(limiter.check('a', 0).allowed).toBe(true);
    expect(limiter.check('c', 0).allowed).toBe(false);
  });

  test('pruning drops finished windows only', () => {
    const limiter = createAttemptLimiter(limits);
    limiter.recordFailure('old', 0);
    limiter.recordFailure('new', 30_000);
    limiter.prune(60_000);
    expect(limiter.tracked()).toBe(1);
  });
});
