import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import {
  cacheKeyOf,
  createVerificationCache,
  type Principal,
} from '../../src/verification/verification-cache.ts';

const T0 = Date.parse('2026-06-01T12:00:00Z');
const principal = (tokenId: string, expiresAtMs = T0 + 86_400_000): Principal => ({
  tokenId,
  tokenName: `token ${tokenId}`,
  createdAt: new Date(T0 - 1000),
  expiresAt: new Date(expiresAtMs),
  user: { id: 'u1', email: 'dev@example.com', name: 'dev' },
});

describe('the verification cache', () => {
  test('keys are the SHA-256 of the token, never the token itself', () => {
    const token = 'tdk_AAAAAAAAAAAAsecretsecretsecretsecret00';
    const key = cacheKeyOf(token);
    expect(key).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(key).not.toContain('secret');
    expect(cacheKeyOf(token)).toBe(key);
    expect(cacheKeyOf(`${token}x`)).not.toBe(key);
  });

  test("dropping an owner forgets every one of that owner's tokens and nobody else's", () => {
    const cache = createVerificationCache({ maxEntries: 10, ttlMs: 60_000 });
    const of = (tokenId: string, userId: string): Principal => ({
      ...principal(tokenId),
      user: { id: userId, email: `${userId}@example.com`, name: null },
    });
    cache.set('k1', of('id1', 'leaver'), T0, cache.generation());
    cache.set('k2', of('id2', 'leaver'), T0, cache.generation());
    cache.set('k3', of('id3', 'stayer'), T0, cache.generation());
    const before = cache.generation();
    cache.dropOwners(['leaver']);
    expect(cache.snapshot().map(([, e]) => e.principal.tokenId)).toEqual(['id3']);
    // A verification that started before the drop may not put a leaver's token back.
    expect(cache.set('k1', of('id1', 'leaver'), T0, before)).toBe(false);
  });

  test('an entry is served until the TTL runs out', () => {
    const cache = createVerificationCache({ maxEntries: 10, ttlMs: 60_000 });
    cache.set('k1', principal('id1'), T0, cache.generation());
    expect(cache.get('k1', T0 + 59_999)?.tokenId).toBe('id1');
    expect(cache.get('k1', T0 + 60_000)).toBeUndefined();
    expect(cache.size()).toBe(0);
  });

  test("the TTL is capped at the token's own expiry", () => {
    const cache = createVerificationCache({ maxEntries: 10, ttlMs: 60_000 });
    cache.set('k1', principal('id1', T0 + 5_000), T0, cache.generation());
    expect(cache.get('k1', T0 + 4_999)).toBeDefined();
    expect(cache.get('k1', T0 + 5_000)).toBeUndefined();
  });

  test('an already expired token is not stored', () => {
    const cache = createVerificationCache({ maxEntries: 10, ttlMs: 60_000 });
    expect(cache.set('k1', principal('id1', T0), T0, cache.generation())).toBe(false);
    expect(cache.size()).toBe(0);
  });

  test('the least recently used entry is evicted first', () => {
    const cache = createVerificationCache({ maxEntries: 2, ttlMs: 60_000 });
    cache.set('k1', principal('id1'), T0, cache.generation());
    cache.set('k2', principal('id2'), T0, cache.generation());
    cache.get('k1', T0);
    cache.set('k3', principal('id3'), T0, cache.generation());
    expect(cache.get('k2', T0)).toBeUndefined();
    expect(cache.get('k1', T0)?.tokenId).toBe('id1');
    expect(cache.get('k3', T0)?.tokenId).toBe('id3');
  });

  test('dropping a token id forgets its entry and leaves the others', () => {
    const cache = createVerificationCache({ maxEntries: 10, ttlMs: 60_000 });
    cache.set('k1', principal('id1'), T0, cache.generation());
    cache.set('k2', principal('id2'), T0, cache.generation());
    cache.drop(['id1', 'never-cached']);
    expect(cache.get('k1', T0)).toBeUndefined();
    expect(cache.get('k2', T0)?.tokenId).toBe('id2');
  });

  test('a result read before a revocation is not stored after it', () => {
    const cache = createVerificationCache({ maxEntries: 10, ttlMs: 60_000 });
    const startedAt = cache.generation();
    cache.drop(['id1']);
    expect(cache.set('k1', principal('id1'), T0, startedAt)).toBe(false);
    const afterClear = cache.generation();
    cache.clear();
    expect(cache.set('k1', principal('id1'), T0, afterClear)).toBe(false);
    expect(cache.set('k1', principal('id1'), T0, cache.generation())).toBe(true);
  });

  test.each([
    { maxEntries: 0, ttlMs: 60_000 },
    { maxEntries: 10, ttlMs: 0 },
  ])('a size or TTL of zero turns the cache off ($maxEntries entries, $ttlMs ms)', (options) => {
    const cache = createVerificationCache(options);
    expect(cache.enabled).toBe(false);
    expect(cache.set('k1', principal('id1'), T0, cache.generation())).toBe(false);
    expect(cache.get('k1', T0)).toBeUndefined();
  });

  test('whatever the operations, the cache stays within its bound and never serves a stale entry', () => {
    const op = fc.oneof(
      fc.record({
        kind: fc.constant('set' as const),
        id: fc.integer({ min: 0, max: 9 }),
        ttl: fc.integer({ min: 1, max: 100 }),
      }),
      fc.record({ kind: fc.constant('get' as const), id: fc.integer({ min: 0, max: 9 }) }),
      fc.record({ kind: fc.constant('drop' as const), id: fc.integer({ min: 0, max: 9 }) }),
      fc.record({ kind: fc.constant('tick' as const), ms: fc.integer({ min: 0, max: 50 }) }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5 }), fc.array(op, { maxLength: 200 }), (maxEntries, ops) => {
        const cache = createVerificationCache({ maxEntries, ttlMs: 60 });
        const model = new Map<number, { until: number; dropped: boolean }>();
        let now = 0;
        for (const o of ops) {
          if (o.kind === 'set') {
            cache.set(`k${o.id}`, principal(`id${o.id}`, now + o.ttl), now, cache.generation());
            model.set(o.id, { until: Math.min(now + 60, now + o.ttl), dropped: false });
          } else if (o.kind === 'get') {
            const hit = cache.get(`k${o.id}`, now);
            const known = model.get(o.id);
            if (hit) expect(known && !known.dropped && now < known.until).toBe(true);
          } else if (o.kind === 'drop') {
            cache.drop([`id${o.id}`]);
            const known = model.get(o.id);
            if (known) known.dropped = true;
          } else {
            now += o.ms;
          }
          expect(cache.size()).toBeLessThanOrEqual(maxEntries);
        }
      }),
    );
  });
});
