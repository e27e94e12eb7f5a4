/**
 * Verification for the product's servers, fast despite argon2. In order:
 *   1. shape and checksum (no I/O);
 *   2. the cache of recent positive results (no argon2), served only while the
 *      revocation feed is live;
 *   3. the failure limits — per (id, client address), per address, and a per-id ceiling
 *      that never refuses the holder (attempt-limiter.ts) — which refuse without argon2;
 *      every new argon2 run is charged as a failure up front and forgiven if it succeeds;
 *   4. the tokens use-case (database + argon2), shared by concurrent requests for the
 *      same token so that a burst of cold requests costs one argon2 run.
 * The cache comes before the limits on purpose: a cached token costs nothing to check, so
 * no limit ever applies to it.
 * Database errors propagate: the edge answers "unavailable", never "invalid".
 */
import { parseToken } from '../tokens/token-format.ts';
import type { VerifyFailure, VerifyResult } from '../tokens/tokens.models.ts';
import type { Attempt, AttemptLimiter } from './attempt-limiter.ts';
import type { LastUsedRecorder } from './last-used-recorder.ts';
import { cacheKeyOf, type Principal, type VerificationCache } from './verification-cache.ts';

export type VerifyOutcome =
  | { ok: true; principal: Principal; cached: boolean }
  | { ok: false; reason: VerifyFailure }
  | { ok: false; reason: 'rate_limited'; retryAfterSeconds: number };

export interface VerifierDeps {
  /** The tokens use-case's `verify`. */
  verifyToken: (candidate: string) => Promise<VerifyResult>;
  cache: VerificationCache;
  limiter: AttemptLimiter;
  recorder: Pick<LastUsedRecorder, 'record'>;
  /** Whether cached results may be trusted now (the revocation feed is live). */
  cacheTrusted: () => boolean;
  /** Wall-clock ms, from the same clock the use-cases use. */
  nowMs: () => number;
}

const principalOf = (result: Extract<VerifyResult, { ok: true }>): Principal => ({
  tokenId: result.token.id,
  tokenName: result.token.name,
  createdAt: result.token.createdAt,
  expiresAt: result.token.expiresAt,
  user: { id: result.user.id, email: result.user.email, name: result.user.name },
});

export const createVerifier = (deps: VerifierDeps) => {
  const { cache, limiter, recorder } = deps;
  const inFlight = new Map<string, Promise<VerifyResult>>();

  const start = (key: string, candidate: string): Promise<VerifyResult> => {
    const startedAt = cache.generation();
    const trusted = deps.cacheTrusted();
    const work = deps
      .verifyToken(candidate)
      .then((result) => {
        if (result.ok && trusted && deps.cacheTrusted()) {
          cache.set(key, principalOf(result), deps.nowMs(), startedAt);
        }
        return result;
      })
      .finally(() => inFlight.delete(key));
    inFlight.set(key, work);
    return work;
  };

  /** The database and argon2 (or a run already in flight), behind the failure limits. */
  const cold = async (
    candidate: string,
    use: { ip: string | null },
    id: string,
    key: string,
    now: number,
  ): Promise<VerifyOutcome> => {
    // Joining a run already in flight costs no argon2, so only a new run is counted.
    let running = inFlight.get(key);
    const attempt: Attempt = { id, ip: use.ip, key };
    let charged = false;
    if (!running) {
      const check = limiter.check(attempt, now);
      if (!check.allowed) {
        return {
          ok: false,
          reason: 'rate_limited',
          retryAfterSeconds: Math.ceil(check.retryAfterMs / 1000),
        };
      }
      // Charged before argon2 runs, so a burst of parallel guesses cannot exceed the limit.
      limiter.prune(now);
      limiter.charge(attempt, now);
      charged = true;
      running = start(key, candidate);
    }
    let result: VerifyResult;
    try {
      result = await running;
    } catch (error) {
      if (charged) limiter.forgive(attempt, now);
      throw error;
    }
    if (!result.ok) {
      if (charged) limiter.failed(attempt);
      return { ok: false, reason: result.reason };
    }
    if (charged) limiter.succeeded(attempt, now);
    const principal = principalOf(result);
    recorder.record({ id: principal.tokenId, at: new Date(deps.nowMs()), ip: use.ip });
    return { ok: true, principal, cached: false };
  };

  return {
    /**
     * Synchronous when the answer is at hand (malformed, or cached), so the hot path costs no
     * promise; a promise when the database and argon2 have to answer. Await it either way.
     */
    verify: (candidate: string, use: { ip: string | null }): VerifyOutcome | Promise<VerifyOutcome> => {
      const parsed = parseToken(candidate);
      if (!parsed.ok) return { ok: false, reason: 'malformed' };
      const now = deps.nowMs();
      const key = cacheKeyOf(candidate);
      if (deps.cacheTrusted()) {
        const principal = cache.get(key, now);
        if (principal) {
          recorder.record({ id: principal.tokenId, at: new Date(now), ip: use.ip });
          return { ok: true, principal, cached: true };
        }
      }
      return cold(candidate, use, parsed.publicId, key, now);
    },
  };
};

export type Verifier = ReturnType<typeof createVerifier>;
