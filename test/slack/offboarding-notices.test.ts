import { sql } from 'drizzle-orm';
import { afterEach, describe, expect, test } from 'vitest';
import { type DatabaseHandle, openDatabase } from '../../src/db/client.ts';
import { migrateDatabase } from '../../src/db/migrate.ts';
import { ManualClock } from '../../src/shared/clock.ts';
import {
  dmsAt,
  newToken,
  postsIn,
  slackPerson,
  startReminderHarness,
  textOf,
} from '../reminders/reminder-support.ts';
import type { Harness } from '../support/app-harness.ts';
import { type CliResult, createCliDatabase, runInProcess, spawnCli } from '../support/cli.ts';
import { type SlackFake, startSlackFake } from '../support/slack-fake.ts';
import { engineName, getTestDatabase, rowsOf, serverUrl } from '../support/test-database.ts';

const ADMIN_CHANNEL = 'C0ADMINS01';

/**
 * `tokendesk users deactivate` tells the admins too: the CLI only queues the notice (in the
 * deactivation's transaction) and running instances deliver it. On Postgres the CLI is a real
 * subprocess and the two instances have their own connections; PGlite belongs to one process,
 * so there the CLI runs in-process and both instances share the database handle.
 */
describe(`offboarding notices queued by the CLI on ${engineName()}`, () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  const setUp = async (env: Record<string, string>, options: { bAheadMs?: number } = {}) => {
    let handles: [DatabaseHandle, DatabaseHandle];
    let cli: (argv: string[]) => Promise<CliResult>;
    if (serverUrl()) {
      const db = await createCliDatabase('offboarding_notices');
      cleanups.push(db.dispose);
      handles = [await openDatabase(db.url), await openDatabase(db.url)];
      for (const handle of handles) cleanups.push(() => handle.close());
      await migrateDatabase(handles[0]);
      cli = (argv) => spawnCli(argv, { env: { DATABASE_URL: db.url } });
    } else {
      const handle = await getTestDatabase();
      handles = [handle, handle];
      cli = (argv) => runInProcess(handle, argv);
    }
    const fake: SlackFake = await startSlackFake();
    cleanups.push(() => fake.close());
    // The CLI writes with the real clock; the instances' clock runs a minute ahead of it.
    const clock = new ManualClock(new Date(Date.now() + 60_000));
    const a: Harness = await startReminderHarness({ fake, handle: handles[0], clock, env });
    cleanups.push(() => a.close());
    const clockB = options.bAheadMs
      ? new ManualClock(new Date(clock.now().getTime() + options.bAheadMs))
      : clock;
    const b: Harness = await startReminderHarness({ fake, handle: handles[1], clock: clockB, env });
    cleanups.push(() => b.close());
    await slackPerson(a, { slackUserId: 'U0ADMIN001', email: 'ada@example.com' }, 'admin');
    await slackPerson(a, { slackUserId: 'U0ADMIN002', email: 'grace@example.com' }, 'admin');
    const leaver = await slackPerson(a, { slackUserId: 'U0LEAVER01', email: 'leaver@example.com' });
    const tokens = [
      await newToken(a, leaver.id, { name: 'CI deploy', days: 30 }),
      await newToken(a, leaver.id, { name: 'Data export', days: 90 }),
    ];
    return { a, b, fake, clock, cli, tokens, db: handles[0] };
  };

  const noticeRows = async (db: DatabaseHandle) =>
    rowsOf<{ status: string; attempts: number; last_error: string | null }>(
      await db.db.execute(sql`select status, attempts, last_error from offboarding_notices order by id`),
    );

  /** Both instances sweeping at the same moment, twice over. */
  const sweepTogether = async (a: Harness, b: Harness) => {
    for (let i = 0; i < 2; i++) {
      await Promise.all([
        a.app.runOffboardingNotices(),
        b.app.runOffboardingNotices(),
        a.app.runOffboardingNotices(),
        b.app.runOffboardingNotices(),
      ]);
    }
  };

  test('`tokendesk users deactivate` → the admin channel gets the notice once, with two instances sweeping', async () => {
    const { a, b, fake, cli, tokens, db } = await setUp({ ADMIN_CHANNEL_ID: ADMIN_CHANNEL });
    const result = await cli(['users', 'deactivate', 'leaver@example.com']);
    expect(result, result.stderr).toMatchObject({ code: 0 });
    // The CLI tells nobody itself: it has no Slack connection.
    expect(postsIn(fake, ADMIN_CHANNEL)).toHaveLength(0);

    await sweepTogether(a, b);
    const posts = postsIn(fake, ADMIN_CHANNEL);
    expect(posts).toHaveLength(1);
    const text = textOf(posts[0]!);
    expect(text).toContain('leaver@example.com');
    expect(text).toContain('<@U0LEAVER01>');
    expect(text).toContain('tokendesk users deactivate');
    for (const { summary, token } of tokens) {
      expect(text).toContain(summary.id);
      expect(text).toContain(summary.name);
      expect(fake.allCallsText()).not.toContain(token);
    }
    expect(text).not.toContain('No active Tokendesk admin');
    expect(await noticeRows(db)).toEqual([{ status: 'sent', attempts: 1, last_error: null }]);
  });

  test('an instance whose clock runs ten minutes ahead does not take a notice another instance is posting', async () => {
    const { a, b, fake, cli, db } = await setUp(
      { ADMIN_CHANNEL_ID: ADMIN_CHANNEL },
      { bAheadMs: 10 * 60_000 },
    );
    expect((await cli(['users', 'deactivate', 'leaver@example.com'])).code).toBe(0);
    const held = fake.holdNext('chat.postMessage');
    const posting = a.app.runOffboardingNotices();
    await held.arrived;
    // A holds the lease, timed by the database: B's clock, past A's lease by its own reckoning, does not matter.
    expect(await b.app.runOffboardingNotices()).toMatchObject({ delivered: 0, batches: 0 });
    held.release();
    await posting;
    await b.app.runOffboardingNotices();
    expect(postsIn(fake, ADMIN_CHANNEL)).toHaveLength(1);
    expect(await noticeRows(db)).toEqual([{ status: 'sent', attempts: 1, last_error: null }]);
  });

  test('without an admin channel each admin gets one DM', async () => {
    const { a, b, fake, cli, tokens } = await setUp({});
    expect((await cli(['users', 'deactivate', 'leaver@example.com'])).code).toBe(0);
    await sweepTogether(a, b);
    for (const admin of ['U0ADMIN001', 'U0ADMIN002']) {
      const dms = dmsAt(fake).filter((c) => c.args.channel === fake.dmChannelOf(admin));
      expect(dms, admin).toHaveLength(1);
      expect(textOf(dms[0]!)).toContain(tokens[0]!.summary.id);
    }
  });

  test('a Slack failure is retried with backoff, by either instance, and the notice still goes out once', async () => {
    const { a, b, fake, clock, cli, db } = await setUp({ ADMIN_CHANNEL_ID: ADMIN_CHANNEL });
    expect((await cli(['users', 'deactivate', 'leaver@example.com'])).code).toBe(0);
    fake.failNext('chat.postMessage', { status: 503 });
    expect(await a.app.runOffboardingNotices()).toMatchObject({ delivered: 0, retried: 1 });
    expect(await noticeRows(db)).toMatchObject([{ status: 'pending', attempts: 1, last_error: 'http_503' }]);
    // Not before its backoff (30 s after the first failure).
    await sweepTogether(a, b);
    expect(postsIn(fake, ADMIN_CHANNEL)).toHaveLength(0);

    clock.advance(31_000);
    await sweepTogether(b, a);
    expect(postsIn(fake, ADMIN_CHANNEL)).toHaveLength(1);
    expect(await noticeRows(db)).toMatchObject([{ status: 'sent', attempts: 2 }]);
  });
});
