/**
 * Limits failed verifications, so nobody can make an instance run argon2 over and over with
 * wrong secrets — without handing an attacker a way to lock out the real holder. Token ids
 * are public (lists, audit, Slack), so a limit per id alone would let anyone who knows an id
 * have its holder refused (429) whenever the holder's token is not cached.
 *
 * Failures are counted in fixed windows, per process, under three keys:
 *   - per (token id, client address): `perClient` — an attacker's failures lock out the
 *     attacker's own address for that id, not the holder's;
 *   - per client address, across ids: `perAddress` — one address cycling through many known
 *     ids is stopped too, so one address costs at most `perAddress` argon2 runs a window;
 *   - per token id, from all addresses: `perToken`, a much higher ceiling against attacks
 *     from many addresses. Past it, an address that has failed on this id is refused, but an
 *     address that has not may still try, so the holder (who does not fail) gets through,
 *     while each further attacking address gets a single try.
 * And a token that has verified in this process before (its SHA-256 is remembered per id,
 * like the cache's key, beyond the cache's TTL) is never refused: an attacker cannot present
 * it without the secret, so a holder sharing an address with an attacker (a NAT, a proxy)
 * keeps working. If that token fails later (revoked, expired) the pass is withdrawn.
 *
 * Every attempt that will run argon2 is charged up front (so a burst of parallel guesses
 * cannot exceed a limit) and forgiven if it succeeds. Failures for ids that do not exist are
 * counted the same way, so a 429 says nothing about whether an id exists. When the client's
 * address is unknown (introspection without `client_ip`) the attempt counts per id under an
 * "unknown client" address of its own, and not per address. Tables are bounded; when one is
 * full, the entry whose window started first is forgotten.
 *
 * Limits are per process: N instances allow N times the attempts in total, but what a limit
 * protects is each instance's CPU, and each instance bounds its own argon2 work. Guessing a
 * 131-bit secret is hopeless at any rate.
 */

export interface AttemptLimiterOptions {
  /** Failures per token id from one client address, per window. */
  perClient: number;
  /** Failures per client address, all ids together. */
  perAddress: number;
  /** Failures per token id, all addresses together (see above: not a lock-out of the holder). */
  perToken: number;
  windowMs: number;
  /** Most keys tracked per table. */
  maxTracked: number;
}

export const DEFAULT_ATTEMPT_LIMITS: AttemptLimiterOptions = {
  perClient: 10,
  perAddress: 50,
  perToken: 100,
  windowMs: 60_000,
  maxTracked: 100_000,
};

/** One verification attempt: the token id, the client's address, and the presented token's cache key. */
export interface Attempt {
  id: string;
  ip: string | null;
  /** SHA-256 of the presented token (cacheKeyOf): never the token. */
  key: string;
}

export type AttemptCheck = { allowed: true } | { allowed: false; retryAfterMs: number };

interface Window {
  startedMs: number;
  failures: number;
}

/** Failures per key in fixed windows; bounded, oldest window forgotten first. */
const createWindowCounter = (windowMs: number, maxTracked: number) => {
  // Insertion order is window-start order, because a key is re-inserted when its window restarts.
  const windows = new Map<string, Window>();
  const live = (key: string, nowMs: number): Window | undefined => {
    const window = windows.get(key);
    if (window && nowMs - window.startedMs >= windowMs) {
      windows.delete(key);
      return undefined;
    }
    return window;
  };
  return {
    failures: (key: string, nowMs: number) => live(key, nowMs)?.failures ?? 0,
    retryAfterMs: (key: string, nowMs: number) => {
      const window = live(key, nowMs);
      return window ? window.startedMs + windowMs - nowMs : 0;
    },
    add: (key: string, nowMs: number) => {
      const window = live(key, nowMs);
      if (window) {
        window.failures++;
        return;
      }
      windows.set(key, { startedMs: nowMs, failures: 1 });
      while (windows.size > maxTracked) {
        const oldest = windows.keys().next();
        if (oldest.done) break;
        windows.delete(oldest.value);
      }
    },
    remove: (key: string, nowMs: number) => {
      const window = live(key, nowMs);
      if (!window) return;
      window.failures--;
      if (window.failures <= 0) windows.delete(key);
    },
    prune: (nowMs: number) => {
      for (const [key, window] of windows) {
        if (nowMs - window.startedMs < windowMs) break;
        windows.delete(key);
      }
    },
    size: () => windows.size,
  };
};

/** The address part of a key; an unknown client is an address of its own that no real one can spell. */
const addressOf = (attempt: Attempt) => attempt.ip ?? '(unknown client)';

export const createAttemptLimiter = (options: AttemptLimiterOptions = DEFAULT_ATTEMPT_LIMITS) => {
  const perClient = createWindowCounter(options.windowMs, options.maxTracked);
  const perAddress = createWindowCounter(options.windowMs, options.maxTracked);
  const perToken = createWindowCounter(options.windowMs, options.maxTracked);
  /** Token id → cache key of the token that last verified here. */
  const verified = new Map<string, string>();
  const clientKey = (attempt: Attempt) => `${attempt.id}|${addressOf(attempt)}`;

  const refused = (retryAfterMs: number): AttemptCheck => ({ allowed: false, retryAfterMs });

  return {
    check: (attempt: Attempt, nowMs: number): AttemptCheck => {
      if (verified.get(attempt.id) === attempt.key) return { allowed: true };
      const client = clientKey(attempt);
      if (attempt.ip !== null && perAddress.failures(attempt.ip, nowMs) >= options.perAddress) {
        return refused(perAddress.retryAfterMs(attempt.ip, nowMs));
      }
      const clientFailures = perClient.failures(client, nowMs);
      if (clientFailures >= options.perClient) return refused(perClient.retryAfterMs(client, nowMs));
      if (clientFailures > 0 && perToken.failures(attempt.id, nowMs) >= options.perToken) {
        return refused(perToken.retryAfterMs(attempt.id, nowMs));
      }
      return { allowed: true };
    },

    /** Counts an attempt as failed before it runs (see above); `succeeded` takes it back. */
    charge: (attempt: Attempt, nowMs: number): void => {
      perClient.add(clientKey(attempt), nowMs);
      if (attempt.ip !== null) perAddress.add(attempt.ip, nowMs);
      perToken.add(attempt.id, nowMs);
    },

    /** Takes back a charge (the attempt never ran: the database was down). */
    forgive: (attempt: Attempt, nowMs: number): void => {
      perClient.remove(clientKey(attempt), nowMs);
      if (attempt.ip !== null) perAddress.remove(attempt.ip, nowMs);
      perToken.remove(attempt.id, nowMs);
    },

    /** The attempt verified: its charge is taken back and its token is let through from now on. */
    succeeded: (attempt: Attempt, nowMs: number): void => {
      perClient.remove(clientKey(attempt), nowMs);
      if (attempt.ip !== null) perAddress.remove(attempt.ip, nowMs);
      perToken.remove(attempt.id, nowMs);
      verified.delete(attempt.id);
      verified.set(attempt.id, attempt.key);
      while (verified.size > options.maxTracked) {
        const oldest = verified.keys().next();
        if (oldest.done) break;
        verified.delete(oldest.value);
      }
    },

    /** The attempt failed (its charge stands); a token that verified before loses its pass. */
    failed: (attempt: Attempt): void => {
      if (verified.get(attempt.id) === attempt.key) verified.delete(attempt.id);
    },

    /** Drops finished windows; the verifier calls it now and then so idle keys do not linger. */
    prune: (nowMs: number): void => {
      perClient.prune(nowMs);
      perAddress.prune(nowMs);
      perToken.prune(nowMs);
    },

    /** Failure windows held (all three tables). */
    tracked: () => perClient.size() + perAddress.size() + perToken.size(),
  };
};

export type AttemptLimiter = ReturnType<typeof createAttemptLimiter>;
