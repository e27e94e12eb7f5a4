/**
 * Keeps `last_used_at` / `last_used_ip` without a database write per request. Uses are
 * remembered in memory (the latest per token) and written in batches: a token is written
 * at most once per `minIntervalMs`, a tick every `tickMs` writes whatever is due in one
 * statement, and `stop` writes everything still pending. A failed write keeps the uses
 * for the next tick; losing a "last used" time is better than failing a request.
 */
import type { Logger } from '../shared/logger.ts';

export interface TokenUse {
  id: string;
  at: Date;
  ip: string | null;
}

export interface LastUsedRecorderDeps {
  /** Persists a batch in one statement (the tokens repository's `touchLastUsed`). */
  write: (uses: TokenUse[]) => Promise<void>;
  nowMs: () => number;
  logger: Logger;
  minIntervalMs?: number;
  tickMs?: number;
  /** Largest batch per statement (Postgres allows 65,535 parameters; each use takes 3). */
  maxBatch?: number;
}

export const createLastUsedRecorder = (deps: LastUsedRecorderDeps) => {
  const minIntervalMs = deps.minIntervalMs ?? 60_000;
  const tickMs = deps.tickMs ?? 5_000;
  const maxBatch = deps.maxBatch ?? 1_000;
  const pending = new Map<string, TokenUse>();
  const lastWrittenMs = new Map<string, number>();
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<number> | undefined;

  const writeBatch = async (batch: TokenUse[]): Promise<number> => {
    if (batch.length === 0) return 0;
    const now = deps.nowMs();
    try {
      for (let i = 0; i < batch.length; i += maxBatch) await deps.write(batch.slice(i, i + maxBatch));
    } catch (error) {
      deps.logger.warn(`last-used: could not write ${batch.length} token use(s), will retry`, error);
      return 0;
    }
    for (const use of batch) {
      lastWrittenMs.set(use.id, now);
      // A newer use recorded while writing stays pending for the next due flush.
      if (pending.get(use.id) === use) pending.delete(use.id);
    }
    return batch.length;
  };

  const run = (select: (use: TokenUse, now: number) => boolean): Promise<number> => {
    const previous = inFlight ?? Promise.resolve(0);
    const next = previous.then(() => {
      const now = deps.nowMs();
      for (const [id, at] of lastWrittenMs) if (now - at >= minIntervalMs) lastWrittenMs.delete(id);
      return writeBatch([...pending.values()].filter((use) => select(use, now)));
    });
    inFlight = next;
    return next;
  };

  const isDue = (use: TokenUse, now: number) => {
    const written = lastWrittenMs.get(use.id);
    return written === undefined || now - written >= minIntervalMs;
  };

  return {
    record: (use: TokenUse): void => {
      const known = pending.get(use.id);
      if (known && known.at.getTime() > use.at.getTime()) return;
      // A use from an unknown address (introspection) does not forget the address seen before.
      pending.set(use.id, use.ip === null && known?.ip ? { ...use, ip: known.ip } : use);
    },

    /** Writes the uses of tokens not written within the interval; resolves to how many were written. */
    flushDue: (): Promise<number> => run(isDue),

    /** Writes every pending use, due or not (shutdown). */
    flushAll: (): Promise<number> => run(() => true),

    pendingCount: () => pending.size,

    start: (): void => {
      if (timer) return;
      timer = setInterval(() => void run(isDue), tickMs);
      timer.unref();
    },

    stop: async (): Promise<void> => {
      if (timer) clearInterval(timer);
      timer = undefined;
      await run(() => true);
    },
  };
};

export type LastUsedRecorder = ReturnType<typeof createLastUsedRecorder>;
