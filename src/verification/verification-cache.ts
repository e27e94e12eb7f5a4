/**
 * A bounded LRU of *positive* verification results, so a token already checked with
 * argon2 is trusted again for a short while without it. Keys are the SHA-256 of the
 * presented token: the plaintext never enters the cache, and a memory dump of it gives
 * nothing that authenticates (SHA-256 of a 131-bit secret cannot be reversed).
 *
 * Revocation drops entries by token id. A verification that was in flight while a
 * revocation (or a clear) happened may have read the row before the revoke committed,
 * so `set` refuses results that started before the latest invalidation: the cache can
 * never resurrect a revoked token.
 */
import { createHash } from 'node:crypto';

/** What a verified token grants: who it belongs to and its own metadata. No secrets. */
export interface Principal {
  tokenId: string;
  tokenName: string;
  createdAt: Date;
  expiresAt: Date;
  user: { id: string; email: string; name: string | null };
}

interface Entry {
  principal: Principal;
  /** Epoch ms after which the entry is no longer served. */
  validUntilMs: number;
}

export interface VerificationCacheOptions {
  /** Most entries kept; 0 disables the cache. */
  maxEntries: number;
  /** How long an entry is trusted; 0 disables the cache. Always capped at the token's expiry. */
  ttlMs: number;
}

/** The cache key of a presented token. Cheap (about a microsecond), unlike argon2. */
export const cacheKeyOf = (token: string): string => createHash('sha256').update(token).digest('base64url');

export const createVerificationCache = (options: VerificationCacheOptions) => {
  const enabled = options.maxEntries > 0 && options.ttlMs > 0;
  // A Map iterates in insertion order, so re-inserting on every hit keeps the least
  // recently used entry first: eviction is `keys().next()`.
  const entries = new Map<string, Entry>();
  const keyOfToken = new Map<string, string>();
  let generation = 0;

  const remove = (key: string) => {
    const entry = entries.get(key);
    if (!entry) return;
    entries.delete(key);
    if (keyOfToken.get(entry.principal.tokenId) === key) keyOfToken.delete(entry.principal.tokenId);
  };

  return {
    enabled,

    /** Increases on every drop or clear; pass the value read before verifying to `set`. */
    generation: () => generation,

    get: (key: string, nowMs: number): Principal | undefined => {
      const entry = entries.get(key);
      if (!entry) return undefined;
      if (entry.validUntilMs <= nowMs) {
        remove(key);
        return undefined;
      }
      entries.delete(key);
      entries.set(key, entry);
      return entry.principal;
    },

    /** Stores a result unless an invalidation happened since `startedAt` (a generation). */
    set: (key: string, principal: Principal, nowMs: number, startedAt: number): boolean => {
      if (!enabled || startedAt !== generation) return false;
      const validUntilMs = Math.min(nowMs + options.ttlMs, principal.expiresAt.getTime());
      if (validUntilMs <= nowMs) return false;
      // One token has exactly one plaintext, but keep the index honest if that ever changes.
      const previous = keyOfToken.get(principal.tokenId);
      if (previous !== undefined) remove(previous);
      remove(key);
      entries.set(key, { principal, validUntilMs });
      keyOfToken.set(principal.tokenId, key);
      while (entries.size > options.maxEntries) {
        const oldest = entries.keys().next();
        if (oldest.done) break;
        remove(oldest.value);
      }
      return true;
    },

    /** Forgets these token ids at once (revocation, offboarding). */
    drop: (tokenIds: Iterable<string>): void => {
      generation++;
      for (const id of tokenIds) {
        const key = keyOfToken.get(id);
        if (key !== undefined) remove(key);
      }
    },

    /** Forgets every token of these users (deactivation). A scan: deactivations are rare. */
    dropOwners: (userIds: Iterable<string>): void => {
      generation++;
      const owners = new Set(userIds);
      for (const [key, entry] of entries) if (owners.has(entry.principal.user.id)) remove(key);
    },

    /** Forgets everything (the revocation feed may have missed messages). */
    clear: (): void => {
      generation++;
      entries.clear();
      keyOfToken.clear();
    },

    size: () => entries.size,

    /** A copy of the contents, for tests and diagnostics. */
    snapshot: (): Array<[string, Readonly<Entry>]> => [...entries.entries()],
  };
};

export type VerificationCache = ReturnType<typeof createVerificationCache>;
