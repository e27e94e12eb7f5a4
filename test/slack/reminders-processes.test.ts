/**
 * The issue's own words: "two app processes on one Postgres sweeping together deliver each
 * reminder exactly once (counted at the Slack fake)". Two real child processes, each a
 * Tokendesk instance with its own connection pool (and its own clock, one of them five
 * minutes ahead), are released at the same moment against one database and one fake.
 */
import { type ChildProcessByStdio, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type DatabaseHandle, openDatabase } from '../../src/db/client.ts';
import { migrateDatabase } from '../../src/db/migrate.ts';
import { ManualClock } from '../../src/shared/clock.ts';
import {
  auditActions,
  deliveryRows,
  dmsAt,
  newToken,
  slackPerson,
  startReminderHarness,
} from '../reminders/reminder-support.ts';
import type { Harness } from '../support/app-harness.ts';
import { type SlackFake, startSlackFake } from '../support/slack-fake.ts';
import { createServerDatabase, engineName } from '../support/test-database.ts';

const START = '2026-05-04T08:00:00Z';
const OWNERS = 20;
const TOKENS_PER_OWNER = 4;

type Child = ChildProcessByStdio<Writable, Readable, null>;
type ChildSummary = { claimed: number; sent: number; retried: number; lost: number; sweeps: number };

/** Starts an instance process and resolves once it has opened the database and waits for "go". */
const startChild = async (
  env: Record<string, string>,
): Promise<{ child: Child; lines: AsyncIterator<string> }> => {
  const child = spawn(
    process.execPath,
    [
      '--import',
      import.meta.resolve('tsx'),
      fileURLToPath(new URL('../reminders/sweep-child.ts', import.meta.url)),
    ],
    { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const first = await lines.next();
  if (first.value !== 'ready') throw new Error(`child did not start: ${String(first.value)}`);
  return { child, lines };
};

// Processes sharing one database is a Postgres story: PGlite is one process's database by
// nature (it runs inside that process), so there is nothing to share between two of them.
describe.skipIf(engineName() !== 'postgres')('two app processes sweeping one Postgres', () => {
  let url: string;
  let handle: DatabaseHandle;
  let fake: SlackFake;
  let h: Harness;

  beforeAll(async () => {
    url = await createServerDatabase(`tokendesk_reminders_procs_w${process.env.VITEST_POOL_ID ?? '0'}`);
    handle = await openDatabase(url);
    await migrateDatabase(handle);
    fake = await startSlackFake();
    h = await startReminderHarness({ fake, handle, clock: new ManualClock(START) });
  });
  afterAll(async () => {
    await h?.close();
    await handle?.close();
    await fake?.close();
  });

  test('deliver each reminder exactly once, counted at the Slack fake', async () => {
    const tokens: string[] = [];
    for (let i = 0; i < OWNERS; i++) {
      const owner = await slackPerson(h, {
        slackUserId: `U0OWNER${String(i).padStart(3, '0')}`,
        email: `o${i}@example.com`,
      });
      for (let j = 0; j < TOKENS_PER_OWNER; j++) {
        // Two to six days left: every token is in its 7-day window for both clocks.
        const days = 2 + ((i + j) % 5);
        tokens.push((await newToken(h, owner.id, { name: `t${i}-${j}`, days })).summary.id);
      }
    }
    // A little latency per DM, so that the two processes' batches overlap in time.
    fake.failAlways('conversations.open', { delayMs: 5 });
    const env = { DATABASE_URL: url, SLACK_BOT_TOKEN: fake.botToken, SLACK_API_URL: fake.url };
    const children = await Promise.all([
      startChild({ ...env, CLOCK_ISO: START }),
      startChild({ ...env, CLOCK_ISO: new Date(new Date(START).getTime() + 5 * 60_000).toISOString() }),
    ]);
    const exits = children.map(
      ({ child }) => new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code))),
    );
    for (const { child } of children) child.stdin.write('go\n');
    const summaries = await Promise.all(
      children.map(async ({ lines }) => JSON.parse(String((await lines.next()).value)) as ChildSummary),
    );
    expect(await Promise.all(exits)).toEqual([0, 0]);

    // At the fake: every token's reminder exactly once, and nothing else.
    for (const token of tokens) expect(dmsAt(fake, token), token).toHaveLength(1);
    expect(dmsAt(fake)).toHaveLength(tokens.length);
    // Both processes did part of the work, and between them all of it, with no lease lost.
    expect(summaries.every((s) => s.sent > 0)).toBe(true);
    expect(summaries.reduce((n, s) => n + s.sent, 0)).toBe(tokens.length);
    expect(summaries.reduce((n, s) => n + s.retried + s.lost, 0)).toBe(0);
    const rows = await deliveryRows(handle);
    expect(rows).toHaveLength(tokens.length);
    expect(rows.every((r) => r.status === 'sent' && r.attempts === 1)).toBe(true);
    expect(await auditActions(handle, 'reminder.sent')).toHaveLength(tokens.length);
  }, 60_000);
});
