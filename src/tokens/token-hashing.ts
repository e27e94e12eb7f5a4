/**
 * argon2id hashing of tokens. Only the hash is ever stored; the optional pepper
 * (argon2's `secret`) lives in configuration, not in the database.
 */
import argon2 from 'argon2';

export interface HashingOptions {
  memoryKib: number;
  iterations: number;
  parallelism: number;
  pepper?: string | undefined;
}

/** OWASP's minimum recommendation for argon2id. */
export const OWASP_MINIMUM: HashingOptions = { memoryKib: 19456, iterations: 2, parallelism: 1 };

export interface TokenHasher {
  hash(token: string): Promise<string>;
  verify(hash: string, token: string): Promise<boolean>;
}

export const createTokenHasher = (options: HashingOptions = OWASP_MINIMUM): TokenHasher => {
  const secret = options.pepper ? Buffer.from(options.pepper, 'utf8') : undefined;
  return {
    hash: (token) =>
      argon2.hash(token, {
        type: argon2.argon2id,
        memoryCost: options.memoryKib,
        timeCost: options.iterations,
        parallelism: options.parallelism,
        ...(secret ? { secret } : {}),
      }),
    verify: async (hash, token) => {
      try {
        return await argon2.verify(hash, token, secret ? { secret } : {});
      } catch {
        // A corrupt hash must read as "does not match", never as a crash.
        return false;
      }
    },
  };
};
