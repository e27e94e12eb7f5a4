import { describe, expect, test } from 'vitest';
import { createIntervalWorker } from '../../src/reminders/interval-worker.ts';
import { createLogger } from '../../src/shared/logger.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('the interval worker every instance runs', () => {
  const logs: string[] = [];
  const logger = createLogger({ level: 'debug', sink: (line) => logs.push(line) });

  test('runs repeatedly, never two runs at once, and keeps going after a failed run', async () => {
    let running = 0;
    let overlap = false;
    let runs = 0;
    const worker = createIntervalWorker({
      name: 'test job',
      intervalMs: 5,
      firstRunMs: 0,
      logger,
      run: async () => {
        runs++;
        overlap ||= running > 0;
        running++;
        await sleep(15);
        running--;
        if (runs === 2) throw new Error('database went away');
      },
    });
    worker.start();
    worker.start();
    await sleep(150);
    await worker.stop();
    expect(runs).toBeGreaterThanOrEqual(4);
    expect(overlap).toBe(false);
    expect(logs.some((l) => l.includes('test job failed') && l.includes('database went away'))).toBe(true);
  });

  test('stop asks the run in flight to stop, waits for it, and nothing runs afterwards', async () => {
    let finished = false;
    let sawStop = false;
    let runs = 0;
    const worker = createIntervalWorker({
      name: 'slow job',
      intervalMs: 1,
      firstRunMs: 0,
      logger,
      run: async ({ shouldStop }) => {
        runs++;
        while (!shouldStop()) await sleep(5);
        sawStop = true;
        await sleep(30);
        finished = true;
      },
    });
    worker.start();
    await sleep(20);
    await worker.stop();
    expect(sawStop).toBe(true);
    expect(finished).toBe(true);
    await sleep(30);
    expect(runs).toBe(1);
  });

  test('an interval of 0 never runs', async () => {
    let runs = 0;
    const worker = createIntervalWorker({
      name: 'off',
      intervalMs: 0,
      firstRunMs: 0,
      logger,
      run: async () => {
        runs++;
      },
    });
    worker.start();
    await sleep(30);
    await worker.stop();
    expect(runs).toBe(0);
  });
});
