/**
 * Runs a job every `intervalMs` on every instance (0 = never). Runs never overlap within
 * one process — the next is scheduled when the last one ends — and overlapping runs
 * across instances are the database's business (leases, SKIP LOCKED), not this timer's.
 * `stop()` asks the job to stop after what is in flight and waits for it.
 */
import type { Logger } from '../shared/logger.ts';

export interface IntervalWorker {
  start(): void;
  stop(): Promise<void>;
}

export const createIntervalWorker = (options: {
  name: string;
  intervalMs: number;
  /** The first run comes after this delay (default: the interval, at most 10 s). */
  firstRunMs?: number;
  run: (control: { shouldStop: () => boolean }) => Promise<unknown>;
  logger: Logger;
}): IntervalWorker => {
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<void> | undefined;
  let stopping = false;
  const control = { shouldStop: () => stopping };

  const schedule = (delay: number) => {
    if (stopping) return;
    timer = setTimeout(tick, delay);
    // The HTTP server keeps the process alive; this timer alone must not.
    timer.unref();
  };

  const tick = () => {
    timer = undefined;
    inFlight = (async () => {
      try {
        await options.run(control);
      } catch (error) {
        // A failed run (database down, a bug) is logged; the next one tries again.
        options.logger.error(`${options.name} failed`, error);
      }
    })();
    void inFlight.then(() => {
      inFlight = undefined;
      schedule(options.intervalMs);
    });
  };

  return {
    start: () => {
      if (options.intervalMs <= 0 || timer || inFlight || stopping) return;
      schedule(options.firstRunMs ?? Math.min(options.intervalMs, 10_000));
    },
    stop: async () => {
      stopping = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
      await inFlight;
    },
  };
};
