import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import type { DatabaseHandle } from '../../src/db/client.ts';
import { OPERATOR } from '../../src/shared/actor.ts';
import { createLogger } from '../../src/shared/logger.ts';
import { cryptoRandom } from '../../src/shared/random.ts';
import { formatToken, newPublicId } from '../../src/tokens/token-format.ts';
import { createVerification } from '../../src/verification/verification.ts';
import { makeServices, type TestServices } from '../support/services.ts';
import { engineName, getTestDatabase } from '../support/test-database.ts';
import {
  countingHasher,
  gatedHasher,
  memberWithToken,
  secretPartOf,
  sha256,
  wrongSecretFor,
} from './fixtures.ts';

const IP = { ip: '203.0.113.7' };
const OTHER_IP = { ip: '198.51.100.20' };

describe(`the verifier on ${engineName()}`, () => {
  let handle: DatabaseHandle;
  let s: TestServices;
  let counting: ReturnType<typeof countingHasher>;
  let parts: ReturnType<typeof createVerification>;

  const build = async (services: TestServices, env: { seconds?: number; size?: number } = {}) => {
    parts = createVerification({
      services,
      handle,
      config: { verifyCacheSeconds: env.seconds ?? 60, verifyCacheSize: env.size ?? 100 },
      logger: createLogger({ sink: () => undefined }),
      limits: { perClient: 10, perAddress: 50, perToken: 100, windowMs: 60_000, maxTracked: 1000 },
      bus: { channel: `verifier_test_${process.env.VITEST_POOL_ID ?? '0'}` },
    });
    await parts.start();
  };

  beforeEach(async () => {
    handle = await getTestDatabase();
    counting = countingHasher();
    s = makeServices(handle, { hasher: counting.hasher });
    await build(s);
  });
  afterEach(async () => {
    await parts.stop();
  });

  test('a second verification of a token is answered from the cache without argon2', async () => {
    const { token, summary, user } = await memberWithToken(s);
    const first = await parts.verifier.verify(token, IP);
    expect(first).toMatchObject({ ok: true, cached: false, principal: { tokenId: summary.id } });
    expect(counting.calls.verify).toBe(1);
    const second = await parts.verifier.verify(token, IP);
    expect(second).toMatchObject({ ok: true, cached: true, principal: { user: { id: user.id } } });
    expect(counting.calls.verify).toBe(1);
  });

  test('the cache holds neither the plaintext token nor its secret, only a SHA-256 key', async () => {
    const { token } = await memberWithToken(s);
    await parts.verifier.verify(token, IP);
    const snapshot = parts.cache.snapshot();
    expect(snapshot.map(([key]) => key)).toEqual([sha256(token)]);
    const everything = JSON.stringify(snapshot);
    expect(everything).not.toContain(token);
    expect(everything).not.toContain(secretPartOf(token));
  });

  test('malformed tokens are refused without argon2 and without counting against any id', async () => {
    const { token } = await memberWithToken(s);
    const mistyped = `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`;
    for (const candidate of ['', 'tdk_', 'hello', mistyped, `${token}x`]) {
      expect(await parts.verifier.verify(candidate, IP)).toEqual({ ok: false, reason: 'malformed' });
    }
    expect(counting.calls.verify).toBe(0);
    expect(parts.limiter.tracked()).toBe(0);
  });

  test('a token revoked here is refused at once, although it was cached', async () => {
    const { token, summary } = await memberWithToken(s);
    await parts.verifier.verify(token, IP);
    await s.tokens.revoke(OPERATOR, summary.id);
    expect(parts.cache.size()).toBe(0);
    expect(await parts.verifier.verify(token, IP)).toEqual({ ok: false, reason: 'revoked' });
  });

  test("deactivating the owner drops the owner's cached tokens at once", async () => {
    const { token, user } = await memberWithToken(s);
    await parts.verifier.verify(token, IP);
    await s.users.deactivateUser(OPERATOR, user.id, 'test');
    expect(await parts.verifier.verify(token, IP)).toMatchObject({ ok: false, reason: 'revoked' });
  });

  test('a cached token is refused from the moment it expires, even inside the cache TTL', async () => {
    const expiresAt = new Date(s.clock.now().getTime() + 30_000);
    const { token } = await memberWithToken(s, 'short@example.com', { at: expiresAt });
    expect(await parts.verifier.verify(token, IP)).toMatchObject({ ok: true });
    s.clock.advance(29_999);
    expect(await parts.verifier.verify(token, IP)).toMatchObject({ ok: true, cached: true });
    s.clock.advance(1);
    expect(await parts.verifier.verify(token, IP)).toEqual({ ok: false, reason: 'expired' });
  });

  test('after VERIFY_CACHE_SECONDS the token is checked with argon2 again', async () => {
    const { token } = await memberWithToken(s);
    await parts.verifier.verify(token, IP);
    s.clock.advance(60_000);
    expect(await parts.verifier.verify(token, IP)).toMatchObject({ ok: true, cached: false });
    expect(counting.calls.verify).toBe(2);
  });

  test('with VERIFY_CACHE_SECONDS=0 every verification runs argon2', async () => {
    await parts.stop();
    await build(s, { seconds: 0 });
    const { token } = await memberWithToken(s);
    await parts.verifier.verify(token, IP);
    await parts.verifier.verify(token, IP);
    expect(counting.calls.verify).toBe(2);
    expect(parts.cache.size()).toBe(0);
  });

  test('a verification that read the token before a revoke does not put it back into the cache', async () => {
    await parts.stop();
    const gated = gatedHasher();
    s = makeServices(handle, { hasher: gated.hasher });
    await build(s);
    const { token, summary } = await memberWithToken(s);
    const pending = parts.verifier.verify(token, IP);
    await gated.reached(); // the row was read: not revoked yet
    await s.tokens.revoke(OPERATOR, summary.id);
    gated.open();
    expect(await pending).toMatchObject({ ok: true }); // it was valid when it was read
    expect(parts.cache.size()).toBe(0);
    expect(await parts.verifier.verify(token, IP)).toEqual({ ok: false, reason: 'revoked' });
  });

  test('a burst of concurrent requests for one uncached token runs argon2 once', async () => {
    const { token } = await memberWithToken(s);
    const results = await Promise.all(Array.from({ length: 20 }, () => parts.verifier.verify(token, IP)));
    expect(results.every((r) => r.ok)).toBe(true);
    expect(counting.calls.verify).toBe(1);
  });

  test('after ten failures in a minute an address is refused for that id without argon2 until the minute is over', async () => {
    const { token, summary } = await memberWithToken(s);
    await s.tokens.revoke(OPERATOR, summary.id);
    const { token: other } = await memberWithToken(s, 'other@example.com');
    for (let i = 0; i < 10; i++) {
      expect(await parts.verifier.verify(wrongSecretFor(token), IP)).toEqual({
        ok: false,
        reason: 'unknown',
      });
    }
    expect(counting.calls.verify).toBe(10);
    expect(await parts.verifier.verify(wrongSecretFor(token), IP)).toMatchObject({
      ok: false,
      reason: 'rate_limited',
      retryAfterSeconds: 60,
    });
    // From that address even the right secret is refused without argon2: nothing here has seen it verify.
    expect(await parts.verifier.verify(token, IP)).toMatchObject({ reason: 'rate_limited' });
    expect(counting.calls.verify).toBe(10);
    // Another address, and another token, are not affected.
    expect(await parts.verifier.verify(token, OTHER_IP)).toEqual({ ok: false, reason: 'revoked' });
    expect(await parts.verifier.verify(other, IP)).toMatchObject({ ok: true });
    s.clock.advance(60_000);
    expect(await parts.verifier.verify(token, IP)).toEqual({ ok: false, reason: 'revoked' });
  });

  describe('someone guessing at a known id cannot lock out its holder (no cache)', () => {
    beforeEach(async () => {
      await parts.stop();
      await build(s, { seconds: 0 });
    });

    test('from another address: the holder is never refused', async () => {
      const { token } = await memberWithToken(s);
      for (let i = 0; i < 30; i++) await parts.verifier.verify(wrongSecretFor(token), IP);
      expect(await parts.verifier.verify(wrongSecretFor(token), IP)).toMatchObject({
        reason: 'rate_limited',
      });
      for (let i = 0; i < 5; i++) {
        expect(await parts.verifier.verify(token, OTHER_IP)).toMatchObject({ ok: true, cached: false });
      }
    });

    test('from a thousand addresses: the holder still gets through, and argon2 runs stay bounded', async () => {
      const { token } = await memberWithToken(s);
      const before = counting.calls.verify;
      for (let round = 0; round < 3; round++) {
        for (let i = 0; i < 1000; i++) {
          await parts.verifier.verify(wrongSecretFor(token), { ip: `10.0.${i >> 8}.${i & 255}` });
        }
      }
      // 100 failures reach the ceiling; after it each address has had exactly one try.
      expect(counting.calls.verify - before).toBe(1000);
      expect(await parts.verifier.verify(token, OTHER_IP)).toMatchObject({ ok: true });
    });

    test("from the holder's own address (a NAT): once it has verified here, the holder keeps working", async () => {
      const { token } = await memberWithToken(s);
      expect(await parts.verifier.verify(token, IP)).toMatchObject({ ok: true });
      for (let i = 0; i < 60; i++) await parts.verifier.verify(wrongSecretFor(token), IP);
      expect(await parts.verifier.verify(wrongSecretFor(token), IP)).toMatchObject({
        reason: 'rate_limited',
      });
      expect(await parts.verifier.verify(token, IP)).toMatchObject({ ok: true, cached: false });
    });

    test('one address guessing across many ids is stopped after 50 argon2 runs', async () => {
      const tokens = [];
      for (let i = 0; i < 8; i++) tokens.push((await memberWithToken(s, `m${i}@example.com`)).token);
      const before = counting.calls.verify;
      for (let round = 0; round < 10; round++) {
        for (const token of tokens) await parts.verifier.verify(wrongSecretFor(token), IP);
      }
      expect(counting.calls.verify - before).toBe(50);
      expect(await parts.verifier.verify(tokens[0]!, OTHER_IP)).toMatchObject({ ok: true });
    });
  });

  test('guesses at an id that does not exist are limited the same way, so a 429 reveals nothing', async () => {
    const nobody = formatToken(newPublicId(cryptoRandom), cryptoRandom);
    for (let i = 0; i < 10; i++) {
      expect(await parts.verifier.verify(wrongSecretFor(nobody), IP)).toEqual({
        ok: false,
        reason: 'unknown',
      });
    }
    expect(await parts.verifier.verify(wrongSecretFor(nobody), IP)).toMatchObject({ reason: 'rate_limited' });
    expect(counting.calls.verify).toBe(0);
  });

  test('parallel wrong guesses cannot run argon2 more often than the limit allows', async () => {
    const { token } = await memberWithToken(s);
    const results = await Promise.all(
      Array.from({ length: 40 }, () => parts.verifier.verify(wrongSecretFor(token), IP)),
    );
    expect(counting.calls.verify).toBe(10);
    expect(results.filter((r) => !r.ok && r.reason === 'rate_limited')).toHaveLength(30);
  });

  test('the holder of a cached token keeps working while someone guesses at its id', async () => {
    const { token } = await memberWithToken(s);
    await parts.verifier.verify(token, IP);
    for (let i = 0; i < 15; i++) await parts.verifier.verify(wrongSecretFor(token), IP);
    expect(await parts.verifier.verify(token, IP)).toMatchObject({ ok: true, cached: true });
  });

  test('successful verifications do not use up the failure allowance', async () => {
    const { token } = await memberWithToken(s);
    await parts.stop();
    await build(s, { seconds: 0 });
    for (let i = 0; i < 15; i++) expect(await parts.verifier.verify(token, IP)).toMatchObject({ ok: true });
  });

  test('a successful verification is recorded as a use, with the address', async () => {
    const { token, summary } = await memberWithToken(s);
    await parts.verifier.verify(token, IP);
    await parts.verifier.verify(token, { ip: '198.51.100.1' });
    expect(await parts.recorder.flushAll()).toBe(1);
    const listed = await s.tokens.get(OPERATOR, summary.id);
    expect(listed.lastUsedIp).toBe('198.51.100.1');
    expect(listed.lastUsedAt?.toISOString()).toBe(s.clock.now().toISOString());
  });
});
