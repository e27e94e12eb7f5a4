/**
 * Counts failed verifications per token id (the public part of a token) in a fixed
 * window, so nobody can make the server run argon2 over and over with wrong secrets
 * for one id. Once an id reaches the limit, further cold attempts for it are refused
 * without argon2 until its window ends.
 *
 * Failures for ids that do not exist are counted too: the answer (429) then says
 * nothing about whether an id exists. The table is bounded; when it is full the entry
 * whose window started first is forgotten.
 */

export interface AttemptLimiterOptions {
  maxFailures: number;
  windowMs: number;
  /** Most ids tracked at once. */
  maxTracked: number;
}

export const DEFAULT_ATTEMPT_LIMITS: AttemptLimiterOptions = {
  maxFailures: 10,
  windowMs: 60_000,
  maxTracked: 100_000,
};

interface Window {
  startedMs: number;
  failures: number;
}

export type AttemptCheck = { allowed: true } | { allowed: false; retryAfterMs: number };

export const createAttemptLimiter = (options: AttemptLimiterOptions = DEFAULT_ATTEMPT_LIMITS) => {
  // Insertion order is window-start order, because an id is re-inserted when its window restarts.
  const windows = new Map<string, Window>();

  const live = (id: string, nowMs: number): Window | undefined => {
    const window = windows.get(id);
    if (window && nowMs - window.startedMs >= options.windowMs) {
      windows.delete(id);
      return undefined;
    }
    return window;
  };

  return {
    check: (id: string, nowMs: number): AttemptCheck => {
      const window = live(id, nowMs);
      if (!window || window.failures < options.maxFailures) return { allowed: true };
      return { allowed: false, retryAfterMs: window.startedMs + options.windowMs - nowMs };
    },

    recordFailure: (id: string, nowMs: number): void => {
      const window = live(id, nowMs);
      if (window) {
        window.failures++;
        return;
      }
      windows.set(id, { startedMs: nowMs, failures: 1 });
      while (windows.size > options.maxTracked) {
        const oldest = windows.keys().next();
        if (oldest.done) break;
        windows.delete(oldest.value);
      }
    },

    /** Takes back one failure (the attempt it was charged for succeeded or never ran). */
    forgive: (id: string, nowMs: number): void => {
      const window = live(id, nowMs);
      if (!window) return;
      window.failures--;
      if (window.failures <= 0) windows.delete(id);
    },

    /** Drops finished windows; the verifier calls it now and then so idle ids do not linger. */
    prune: (nowMs: number): void => {
      for (const [id, window] of windows) {
        if (nowMs - window.startedMs < options.windowMs) break;
        windows.delete(id);
      }
    },

    tracked: () => windows.size,
  };
};

export type AttemptLimiter = ReturnType<typeof createAttemptLimiter>;
