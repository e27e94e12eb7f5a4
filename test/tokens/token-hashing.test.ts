/**
 * argon2id hashing with the real OWASP parameters (the other suites use cheap ones):
 * the parameters are visible in the stored hash, a pepper is part of the secret, and a
 * corrupt hash reads as "does not match" rather than crashing the caller.
 */
import { describe, expect, test } from 'vitest';
import { parseConfig } from '../../src/config.ts';
import { cryptoRandom } from '../../src/shared/random.ts';
import { formatToken, newPublicId } from '../../src/tokens/token-format.ts';
import { createTokenHasher, OWASP_MINIMUM } from '../../src/tokens/token-hashing.ts';

const newToken = () => formatToken(newPublicId(cryptoRandom), cryptoRandom);
const PEPPER_A = 'pepper-A-0123456789';
const PEPPER_B = 'pepper-B-0123456789';

describe('token hashing', () => {
  test('the defaults are argon2id with OWASP’s minimum (m=19456, t=2, p=1), visible in the hash', async () => {
    expect(OWASP_MINIMUM).toEqual({ memoryKib: 19456, iterations: 2, parallelism: 1 });
    const config = parseConfig({ env: {} });
    expect([config.argon2MemoryKib, config.argon2Iterations, config.argon2Parallelism]).toEqual([
      19456, 2, 1,
    ]);
    const hash = await createTokenHasher().hash(newToken());
    expect(hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/);
  });

  test('configured parameters are the ones used', async () => {
    const hash = await createTokenHasher({ memoryKib: 1024, iterations: 1, parallelism: 2 }).hash('x');
    expect(hash).toMatch(/^\$argon2id\$v=19\$m=1024,t=1,p=2\$/);
  });

  test('verify accepts the token that was hashed and nothing else', async () => {
    const hasher = createTokenHasher();
    const token = newToken();
    const hash = await hasher.hash(token);
    expect(await hasher.verify(hash, token)).toBe(true);
    expect(await hasher.verify(hash, newToken())).toBe(false);
    expect(await hasher.verify(hash, `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`)).toBe(false);
    expect(await hasher.verify(hash, '')).toBe(false);
  });

  test('each hash has its own salt, so one token hashed twice gives two hashes that both verify', async () => {
    const hasher = createTokenHasher();
    const token = newToken();
    const [a, b] = await Promise.all([hasher.hash(token), hasher.hash(token)]);
    expect(a).not.toBe(b);
    expect(await hasher.verify(a, token)).toBe(true);
    expect(await hasher.verify(b, token)).toBe(true);
  });

  test('the pepper is part of the secret: another pepper, or none, does not verify', async () => {
    const token = newToken();
    const withA = createTokenHasher({ ...OWASP_MINIMUM, pepper: PEPPER_A });
    const withB = createTokenHasher({ ...OWASP_MINIMUM, pepper: PEPPER_B });
    const without = createTokenHasher(OWASP_MINIMUM);
    const hashA = await withA.hash(token);
    expect(hashA).not.toContain(PEPPER_A);
    expect(await withA.verify(hashA, token)).toBe(true);
    expect(await withB.verify(hashA, token)).toBe(false);
    expect(await without.verify(hashA, token)).toBe(false);
    expect(await withA.verify(await without.hash(token), token)).toBe(false);
  });

  test('a corrupt or foreign hash verifies false instead of throwing', async () => {
    const hasher = createTokenHasher();
    const token = newToken();
    const good = await hasher.hash(token);
    const corrupt = [
      '',
      'not a hash',
      good.slice(0, -10),
      good.replace('m=19456', 'm=abc'),
      good.replace('$argon2id$', '$argon2xx$'),
      `${good}$extra`,
      '$2b$10$abcdefghijklmnopqrstuuABCDEFGHIJKLMNOPQRSTUVWXYZ01234',
    ];
    for (const hash of corrupt) await expect(hasher.verify(hash, token)).resolves.toBe(false);
  });
});
