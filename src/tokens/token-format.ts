/**
 * The token format, in the spirit of GitHub's:
 *
 *   tdk_ <public id: 12 base62> <secret: 22 base62> <checksum: 6 base62>
 *
 * - `tdk_` says what it is (secret scanners can match it);
 * - the public id is not secret: it names the token in lists, audit and URLs, and is the lookup key;
 * - the secret is 22 base62 characters from a CSPRNG, about 131 bits;
 * - the checksum is CRC32 of everything before it, so a mistyped or truncated token is rejected
 *   before any database or argon2 work.
 * Only `[A-Za-z0-9_]`, so a double click selects it whole and Slack mrkdwn leaves it alone.
 */
import type { RandomSource } from '../shared/random.ts';

export const TOKEN_PREFIX = 'tdk_';
export const PUBLIC_ID_LENGTH = 12;
export const SECRET_LENGTH = 22;
export const CHECKSUM_LENGTH = 6;
export const TOKEN_LENGTH = TOKEN_PREFIX.length + PUBLIC_ID_LENGTH + SECRET_LENGTH + CHECKSUM_LENGTH;

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const BASE62 = /^[0-9A-Za-z]+$/;
const TOKEN_SHAPE = new RegExp(`^${TOKEN_PREFIX}[0-9A-Za-z]{${TOKEN_LENGTH - TOKEN_PREFIX.length}}$`);

/** Uniform base62 characters: bytes ≥ 248 are dropped so that `% 62` carries no bias. */
export const randomBase62 = (random: RandomSource, length: number): string => {
  let out = '';
  while (out.length < length) {
    for (const byte of random(length * 2)) {
      if (byte < 248 && out.length < length) out += ALPHABET[byte % 62];
    }
  }
  return out;
};

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

export const crc32 = (text: string): number => {
  let crc = 0xffffffff;
  for (const byte of Buffer.from(text, 'utf8')) crc = CRC_TABLE[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
};

const encodeBase62 = (value: number, width: number): string => {
  let out = '';
  let rest = value;
  for (let i = 0; i < width; i++) {
    out = ALPHABET[rest % 62] + out;
    rest = Math.floor(rest / 62);
  }
  return out;
};

export const checksumOf = (body: string): string => encodeBase62(crc32(body), CHECKSUM_LENGTH);

export const isPublicId = (value: string): boolean => value.length === PUBLIC_ID_LENGTH && BASE62.test(value);

export const newPublicId = (random: RandomSource): string => randomBase62(random, PUBLIC_ID_LENGTH);

/** Builds a complete token for a public id with fresh secret randomness. */
export const formatToken = (publicId: string, random: RandomSource): string => {
  if (!isPublicId(publicId)) throw new Error('invalid public id');
  const body = `${TOKEN_PREFIX}${publicId}${randomBase62(random, SECRET_LENGTH)}`;
  return body + checksumOf(body);
};

export type ParsedToken = { ok: true; publicId: string } | { ok: false; reason: 'malformed' };

/** Checks shape and checksum only; cheap enough to run before anything else. */
export const parseToken = (candidate: string): ParsedToken => {
  if (candidate.length !== TOKEN_LENGTH || !TOKEN_SHAPE.test(candidate))
    return { ok: false, reason: 'malformed' };
  const body = candidate.slice(0, -CHECKSUM_LENGTH);
  if (checksumOf(body) !== candidate.slice(-CHECKSUM_LENGTH)) return { ok: false, reason: 'malformed' };
  return { ok: true, publicId: candidate.slice(TOKEN_PREFIX.length, TOKEN_PREFIX.length + PUBLIC_ID_LENGTH) };
};
