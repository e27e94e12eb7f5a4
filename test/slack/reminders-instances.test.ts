import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { type DatabaseHandle, openDatabase } from '../../src/db/client.ts';
import { migrateDatabase } from '../../src/db/migrate.ts';
import type { SweepSummary } from '../../src/reminders/reminders.models.ts';
import { OPERATOR } from '../../src/shared/actor.ts';
import { ManualClock } from '../../src/shared/clock.ts';
import {
  DAY,
  deliveryRows,
  dmsAt,
  leasesLapsed,
  liveLeases,
  newToken,
  postsIn,
  slackPerson,
  startReminderHarness,
} from '../reminders/reminder-support.ts';
import type { Harness } from '../support/app-harness.ts';
import { type SlackFake, startSlackFake } from '../support/slack-fake.ts';
import { createServerDatabase, engineName, resetDatabase, rowsOf } from '../support/test-database.ts';

const START = '2026-05-04T08:00:00Z';
const ADMIN_CHANNEL = 'C0ADMINS01';

// Several processes on one database is a Postgres story; PGlite belongs to one process.
describe.skipIf(engineName() !== 'postgres')('two instances sweeping one Postgres', () => {
  let url: string;
  let handles: DatabaseHandle[];
  let fake: SlackFake;
  let clock: ManualClock;
  let a: Harness;
  let b: Harness;

  beforeAll(async () => {
    url = await createServerDatabase(`tokendesk_reminders_two_w${process.env.VITEST_POOL_ID ?? '0'}`);
    handles = [await openDatabase(url), await openDatabase(url)];
    await migrateDatabase(handles[0]!);
    fake = await startSlackFake();
  });
  afterAll(async () => {
    for (const handle of handles) await handle.close();
    await fake.close();
  });
  beforeEach(async () => {
    await resetDatabase(handles[0]!);
    fake.reset();
    clock = new ManualClock(START);
    const env = { ADMIN_CHANNEL_ID: ADMIN_CHANNEL };
    a = await startReminderHarness({ fake, handle: handles[0]!, clock, env });
    b = await startReminderHarness({ fake, handle: handles[1]!, clock, env });
  });
  afterEach(async () => {
    await a.close();
    await b.close();
  });

  test('each reminder is delivered exactly once while both instances sweep at the same time', async () => {
    const tokens: string[] = [];
    for (let i = 0; i < 12; i++) {
      const owner = await slackPerson(a, {
        slackUserId: `U0OWNER${String(i).padStart(3, '0')}`,
        email: `o${i}@example.com`,
      });
      for (let j = 0; j < 5; j++) {
        tokens.push(
          (await newToken(a, owner.id, { name: `t${i}-${j}`, days: 1 + (((i * 5 + j) * 7) % 45) })).summary
            .id,
        );
      }
    }
    // Slow Slack down a little so that sweeps overlap for real.
    fake.failAlways('conversations.open', { delayMs: 3 });
    const byInstance = { a: 0, b: 0 };
    // Steps under a week apart: an expired notice older than that is deliberately not sent.
    for (const day of [0, 3, 6, 8, 12, 15, 16, 20, 22, 26, 30, 32, 36, 38, 39, 42, 44, 45, 46, 52, 60]) {
      clock.set(new Date(new Date(START).getTime() + day * DAY + 60_000));
      const runs = await Promise.all([
        a.app.runReminderSweep(),
        b.app.runReminderSweep(),
        a.app.runReminderSweep(),
        b.app.runReminderSweep(),
      ]);
      const sent = (s: SweepSummary) => s.sent;
      byInstance.a += sent(runs[0]!) + sent(runs[2]!);
      byInstance.b += sent(runs[1]!) + sent(runs[3]!);
    }
    const rows = await deliveryRows(a.handle);
    const sentRows = rows.filter((r) => r.status === 'sent');
    // Every token reached its expired notice, so every row ends sent.
    expect(sentRows).toHaveLength(rows.length);
    expect(new Set(sentRows.filter((r) => r.kind === 'expired').map((r) => r.token_id)).size).toBe(
      tokens.length,
    );
    for (const token of tokens) {
      expect(dmsAt(fake, token)).toHaveLength(sentRows.filter((r) => r.token_id === token).length);
    }
    expect(dmsAt(fake)).toHaveLength(sentRows.length);
    expect(byInstance.a + byInstance.b).toBe(sentRows.length);
    // Both instances did part of the work: the sweeps really ran side by side.
    expect(byInstance.a).toBeGreaterThan(0);
    expect(byInstance.b).toBeGreaterThan(0);
    const audited = rowsOf<{ n: number }>(
      await a.handle.db.execute(
        sql`select count(*)::int as n from audit_events where action = 'reminder.sent'`,
      ),
    );
    expect(audited[0]?.n).toBe(sentRows.length);
  });

  test('the audit feed posts each event once while both instances run it at the same time', async () => {
    const owner = await slackPerson(a, { slackUserId: 'U0OWNER001', email: 'owner@example.com' });
    for (let i = 0; i < 30; i++) {
      const { summary } = await newToken(i % 2 ? a : b, owner.id, { name: `feed ${i}`, days: 90 });
      if (i % 3 === 0) await a.services.tokens.revoke(OPERATOR, summary.id);
    }
    fake.failAlways('chat.postMessage', { delayMs: 3 });
    await Promise.all([
      a.app.runAuditFeed(),
      b.app.runAuditFeed(),
      a.app.runAuditFeed(),
      b.app.runAuditFeed(),
    ]);
    await Promise.all([a.app.runAuditFeed(), b.app.runAuditFeed()]);
    const ids = rowsOf<{ id: number }>(
      await a.handle.db.execute(sql`select id from audit_events order by id`),
    ).map((r) => Number(r.id));
    const posted = postsIn(fake, ADMIN_CHANNEL).flatMap((c) =>
      [...JSON.stringify(c.args.blocks).matchAll(/`#(\d+)`/g)].map((m) => Number(m[1])),
    );
    expect(ids.length).toBeGreaterThan(40);
    expect([...posted].sort((x, y) => x - y)).toEqual(ids);
  });

  test('an instance killed between claiming and sending: its lease runs out and another instance delivers once', async () => {
    const owner = await slackPerson(a, { slackUserId: 'U0OWNER001', email: 'owner@example.com' });
    const { summary } = await newToken(a, owner.id, { days: 7 });
    // The child's conversations.open hangs, so it dies holding the claim.
    fake.failAlways('conversations.open', { delayMs: 3000 });
    const child = spawn(
      process.execPath,
      [
        '--import',
        import.meta.resolve('tsx'),
        fileURLToPath(new URL('../reminders/crash-child.ts', import.meta.url)),
      ],
      {
        env: {
          ...process.env,
          DATABASE_URL: url,
          SLACK_BOT_TOKEN: fake.botToken,
          SLACK_API_URL: fake.url,
          CLOCK_ISO: clock.now().toISOString(),
          // Long enough to outlast the kill below, short enough to wait out.
          REMINDER_LEASE_SECONDS: '3',
        },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.once('exit', (_code, signal) => resolve(signal)),
    );
    await a.waitFor(async () => fake.callsTo('conversations.open').length > 0, 20_000);
    expect(await deliveryRows(a.handle, summary.id)).toMatchObject([{ status: 'pending', attempts: 1 }]);
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    fake.clearFaults();

    // While the dead child's lease runs (by the database's clock), nobody takes the row,
    // however far the instances' own clocks have moved.
    expect(await liveLeases(a.handle)).toBe(1);
    await a.app.runReminderSweep();
    clock.set(new Date(new Date(START).getTime() + DAY));
    await b.app.runReminderSweep();
    expect(dmsAt(fake)).toHaveLength(0);
    await leasesLapsed(a.handle);
    await Promise.all([a.app.runReminderSweep(), b.app.runReminderSweep()]);
    await a.app.runReminderSweep();
    expect(dmsAt(fake, summary.id)).toHaveLength(1);
    expect(await deliveryRows(a.handle, summary.id)).toMatchObject([{ status: 'sent', attempts: 2 }]);
  });
});
