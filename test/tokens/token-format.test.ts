/**
 * The token format, as properties: whatever the random source, a token parses back to its
 * public id, uses only [A-Za-z0-9_] and has a fixed length, and any single-character
 * mistake is caught by the checksum before the database or argon2 are consulted.
 */
import { crc32 as zlibCrc32 } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { cryptoRandom, type RandomSource } from '../../src/shared/random.ts';
import {
  CHECKSUM_LENGTH,
  checksumOf,
  crc32,
  formatToken,
  isPublicId,
  newPublicId,
  PUBLIC_ID_LENGTH,
  parseToken,
  randomBase62,
  SECRET_LENGTH,
  TOKEN_LENGTH,
  TOKEN_PREFIX,
} from '../../src/tokens/token-format.ts';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/**
 * A replayable random source: the given bytes first (any bytes, including long runs of the
 * values ≥ 248 that randomBase62 must skip), then a byte counter so that it never runs dry.
 */
const sourceFrom = (bytes: readonly number[]): RandomSource => {
  let i = 0;
  return (size) => {
    const out = new Uint8Array(size);
    for (let k = 0; k < size; k++, i++) out[k] = i < bytes.length ? bytes[i]! : i % 256;
    return out;
  };
};

const anySource = fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 300 }).map(sourceFrom);
const anyToken = anySource.map((random) => formatToken(newPublicId(random), random));

/** Characters a typo could bring in: token characters most of all, but anything else too. */
const anyChar = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...`${BASE62}_`) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
);

describe('token format', () => {
  test('a formatted token parses back to its public id, whatever the random source', () => {
    fc.assert(
      fc.property(anySource, (random) => {
        const id = newPublicId(random);
        expect(isPublicId(id)).toBe(true);
        expect(parseToken(formatToken(id, random))).toEqual({ ok: true, publicId: id });
      }),
    );
  });

  test('a token is tdk_ and 40 characters of [A-Za-z0-9], 44 in all', () => {
    expect(TOKEN_LENGTH).toBe(TOKEN_PREFIX.length + PUBLIC_ID_LENGTH + SECRET_LENGTH + CHECKSUM_LENGTH);
    expect(TOKEN_LENGTH).toBe(44);
    fc.assert(
      fc.property(anyToken, (token) => {
        expect(token).toHaveLength(TOKEN_LENGTH);
        expect(token).toMatch(/^tdk_[A-Za-z0-9]{40}$/);
        expect(token).toMatch(/^[A-Za-z0-9_]+$/);
      }),
    );
  });

  test('substituting any one character with any other is rejected', () => {
    fc.assert(
      fc.property(anyToken, fc.nat(), anyChar, (token, at, char) => {
        const i = at % token.length;
        fc.pre(token[i] !== char);
        const changed = token.slice(0, i) + char + token.slice(i + 1);
        expect(parseToken(changed)).toEqual({ ok: false, reason: 'malformed' });
      }),
      { numRuns: 2000 },
    );
  });

  test('deleting any one character is rejected', () => {
    fc.assert(
      fc.property(anyToken, fc.nat(), (token, at) => {
        const i = at % token.length;
        expect(parseToken(token.slice(0, i) + token.slice(i + 1)).ok).toBe(false);
      }),
    );
  });

  test('inserting any character anywhere is rejected', () => {
    fc.assert(
      fc.property(anyToken, fc.nat(), anyChar, (token, at, char) => {
        const i = at % (token.length + 1);
        expect(parseToken(token.slice(0, i) + char + token.slice(i)).ok).toBe(false);
      }),
    );
  });

  test('swapping two adjacent different characters is rejected', () => {
    fc.assert(
      fc.property(anyToken, fc.nat(), (token, at) => {
        const i = at % (token.length - 1);
        fc.pre(token[i] !== token[i + 1]);
        const swapped = token.slice(0, i) + token[i + 1] + token[i] + token.slice(i + 2);
        expect(parseToken(swapped).ok).toBe(false);
      }),
      { numRuns: 2000 },
    );
  });

  test('every substitution, deletion and adjacent swap of one real token is rejected (exhaustive)', () => {
    const token = formatToken(newPublicId(cryptoRandom), cryptoRandom);
    for (let i = 0; i < token.length; i++) {
      for (const char of `${BASE62}_-. `) {
        if (char !== token[i])
          expect(parseToken(token.slice(0, i) + char + token.slice(i + 1)).ok).toBe(false);
      }
      expect(parseToken(token.slice(0, i) + token.slice(i + 1)).ok).toBe(false);
      if (i + 1 < token.length && token[i] !== token[i + 1]) {
        expect(parseToken(token.slice(0, i) + token[i + 1] + token[i] + token.slice(i + 2)).ok).toBe(false);
      }
    }
  });

  test('surrounding whitespace, another prefix or another case is not a token', () => {
    const token = formatToken(newPublicId(cryptoRandom), cryptoRandom);
    for (const candidate of [
      ` ${token}`,
      `${token}\n`,
      `TDK_${token.slice(4)}`,
      `tdx_${token.slice(4)}`,
      '',
      'tdk_',
    ]) {
      expect(parseToken(candidate)).toEqual({ ok: false, reason: 'malformed' });
    }
  });

  test('formatToken refuses a public id that is not 12 base62 characters', () => {
    for (const id of ['', 'short', 'AAAAAAAAAAA_', 'AAAAAAAAAAAAA', 'AAAAAAAAAAA-']) {
      expect(() => formatToken(id, cryptoRandom)).toThrow('invalid public id');
      expect(isPublicId(id)).toBe(false);
    }
  });

  test('the checksum is CRC32 (the standard check value) in six base62 digits', () => {
    expect(crc32('123456789')).toBe(0xcbf43926);
    expect(crc32('')).toBe(0);
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (body) => {
        expect(crc32(body)).toBe(zlibCrc32(body));
        expect(checksumOf(body)).toMatch(/^[0-9A-Za-z]{6}$/);
      }),
    );
  });

  test('a deterministic random source gives a deterministic token', () => {
    const make = () => {
      const random = sourceFrom([]);
      return formatToken(newPublicId(random), random);
    };
    const token = make();
    expect(make()).toBe(token);
    // Pinned, so that a change to the alphabet, the byte handling or the checksum cannot pass unnoticed.
    expect(token).toBe('tdk_0123456789ABOPQRSTUVWXYZabcdefghij0ELljG');
    expect(parseToken(token)).toEqual({ ok: true, publicId: '0123456789AB' });
  });

  test('bytes 248-255 are skipped, so that each base62 character is exactly equally likely per byte', () => {
    // Every byte value once per 256 bytes: the 248 kept ones map to each of the 62 characters 4 times.
    const counts = new Map<string, number>();
    for (const char of randomBase62(sourceFrom([]), 248 * 10)) counts.set(char, (counts.get(char) ?? 0) + 1);
    expect(counts.size).toBe(62);
    expect(new Set(counts.values())).toEqual(new Set([40]));
    // A source of nothing but rejected bytes at first still ends with a full-length string.
    expect(randomBase62(sourceFrom(Array(1000).fill(255)), 22)).toMatch(/^[0-9A-Za-z]{22}$/);
  });

  test('randomBase62 over the real CSPRNG is roughly uniform (chi-square, loose bound)', () => {
    const samples = 62 * 2000;
    const counts = new Map<string, number>();
    for (const char of randomBase62(cryptoRandom, samples)) counts.set(char, (counts.get(char) ?? 0) + 1);
    expect(counts.size).toBe(62);
    const expected = samples / 62;
    const chiSquare = [...counts.values()].reduce((sum, n) => sum + (n - expected) ** 2 / expected, 0);
    // 61 degrees of freedom: mean 61, standard deviation 11; 150 is beyond p < 1e-8 for a fair source.
    expect(chiSquare).toBeLessThan(150);
  });
});
