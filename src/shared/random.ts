import { randomBytes } from 'node:crypto';

/** Source of cryptographically secure random bytes; injectable so tests can make token ids deterministic. */
export type RandomSource = (size: number) => Uint8Array;

export const cryptoRandom: RandomSource = (size) => randomBytes(size);
