/**
 * Two app processes started at the same moment on one database. On PostgreSQL both come
 * up, the schema is migrated once (the advisory lock serializes them) and both serve; on a
 * PGlite folder, which one process owns, exactly one comes up and the other stops at once
 * with a one-line reason — neither corrupts the database.
 */
import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import JOURNAL from '../../drizzle/meta/_journal.json' with { type: 'json' };
import { openDatabase } from '../../src/db/client.ts';
import { type AppProcess, killApps, spawnApp } from '../support/app-process.ts';
import { createCliDatabase } from '../support/cli.ts';
import { FAST_ARGON2 } from '../support/services.ts';
import { type SlackFake, startSlackFake } from '../support/slack-fake.ts';
import { rowsOf, serverUrl } from '../support/test-database.ts';

describe('two instances starting and migrating at once', () => {
  let fake: SlackFake;
  let db: { url: string; dispose: () => Promise<void> };

  beforeAll(async () => {
    fake = await startSlackFake();
    db = await createCliDatabase('startup_race');
  });
  afterEach(killApps);
  afterAll(async () => {
    await fake?.close();
    await db?.dispose();
  });

  const startTwo = () =>
    Promise.all(
      [0, 1].map(() =>
        spawnApp({
          DATABASE_URL: db.url,
          SLACK_BOT_TOKEN: fake.botToken,
          SLACK_SIGNING_SECRET: 'startup-race-signing-secret',
          SLACK_API_URL: fake.url,
          REMINDER_INTERVAL_SECONDS: '0',
          ...FAST_ARGON2,
        }),
      ),
    );

  const stop = async (app: AppProcess) => {
    app.child.kill('SIGTERM');
    return app.exited;
  };

  test.runIf(serverUrl())(
    'on PostgreSQL both come up, the schema is migrated once, both serve and stop cleanly',
    async () => {
      const apps = await startTwo();
      const healthy = await Promise.all(apps.map((a) => a.healthy(60_000)));
      expect(healthy, apps.map((a) => a.output()).join('\n---\n')).toEqual([true, true]);
      const handle = await openDatabase(db.url, { maxConnections: 1 });
      try {
        const applied = rowsOf<{ hash: string }>(
          await handle.db.execute(sql`select hash from drizzle.__drizzle_migrations`),
        );
        expect(applied).toHaveLength(JOURNAL.entries.length);
      } finally {
        await handle.close();
      }
      expect(await Promise.all(apps.map(stop))).toEqual([0, 0]);
    },
    90_000,
  );

  test.runIf(!serverUrl())(
    'on one PGlite folder exactly one comes up; the other stops with a reason',
    async () => {
      const apps = await startTwo();
      const healthy = await Promise.all(apps.map((a) => a.healthy(60_000)));
      expect(healthy.filter(Boolean)).toHaveLength(1);
      const loser = apps[healthy.indexOf(false)]!;
      expect(await loser.exited).toBe(1);
      expect(loser.output()).toContain('open in another process');
      const winner = apps[healthy.indexOf(true)]!;
      expect(await stop(winner)).toBe(0);
    },
    90_000,
  );
});
