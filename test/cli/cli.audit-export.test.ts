/**
 * `tokendesk audit --user E` and `--all`: filtering by subject, and an export of every
 * event as JSON lines that is read and written a page at a time and waits for a slow reader.
 */
import { Readable } from 'node:stream';
import { sql } from 'drizzle-orm';
import { beforeEach, describe, expect, test } from 'vitest';
import { EXPORT_PAGE_SIZE } from '../../src/audit/audit.usecases.ts';
import { runCli } from '../../src/cli/main.ts';
import type { DatabaseHandle } from '../../src/db/client.ts';
import { at } from '../../src/reminders/reminders.repository.ts';
import { OPERATOR } from '../../src/shared/actor.ts';
import { ManualClock } from '../../src/shared/clock.ts';
import { linesOf, runInProcess } from '../support/cli.ts';
import { FAST_ARGON2, makeServices, type TestServices } from '../support/services.ts';
import { engineName, getTestDatabase } from '../support/test-database.ts';

describe(`tokendesk audit --user and --all on ${engineName()}`, () => {
  let handle: DatabaseHandle;
  let s: TestServices;
  const clock = new ManualClock('2026-06-01T12:00:00Z');

  beforeEach(async () => {
    handle = await getTestDatabase();
    s = makeServices(handle, { clock });
  });

  const ok = async (argv: string[]) => {
    const result = await runInProcess(handle, argv, { deps: { clock } });
    expect(result, `tokendesk ${argv.join(' ')}: ${result.stderr}`).toMatchObject({ code: 0 });
    return result;
  };

  /** `n` audit events about `subjectId`, written in one statement. */
  const seedEvents = async (n: number, subjectId: string) => {
    await handle.db.execute(sql`insert into audit_events (at, actor_label, action, subject_user_id, details)
      select ${at(clock.now())}, 'seed', 'token.generated', ${subjectId}::uuid, jsonb_build_object('n', g)
      from generate_series(1, ${n}::int) g`);
  };

  test('--user keeps only the events about that person, in the table and in JSON', async () => {
    const { user: ann } = await s.users.addUser(OPERATOR, { email: 'ann@example.com' });
    const { user: bob } = await s.users.addUser(OPERATOR, { email: 'bob@example.com' });
    await s.tokens.generate(OPERATOR, { ownerId: ann.id, name: 'ann-token' });
    await s.tokens.generate(OPERATOR, { ownerId: bob.id, name: 'bob-token' });
    const json = JSON.parse((await ok(['audit', '--json', '--user', 'ANN@example.com'])).stdout) as Array<{
      subjectEmail: string;
      action: string;
    }>;
    expect(json.map((e) => [e.action, e.subjectEmail])).toEqual([
      ['token.generated', 'ann@example.com'],
      ['user.created', 'ann@example.com'],
    ]);
    const table = linesOf((await ok(['audit', '--user', 'bob@example.com'])).stdout);
    expect(table.slice(1).every((l) => l.includes('bob@example.com'))).toBe(true);
    expect(table).toHaveLength(3);
    const unknown = await runInProcess(handle, ['audit', '--user', 'ghost@example.com'], { deps: { clock } });
    expect(unknown).toMatchObject({ code: 1, stderr: 'tokendesk: No user with e-mail ghost@example.com\n' });
  });

  test('--all prints every event, far past 1000, oldest first, one JSON object per line', async () => {
    const { user } = await s.users.addUser(OPERATOR, { email: 'dev@example.com' });
    await seedEvents(2 * EXPORT_PAGE_SIZE + 345, user.id);
    const lines = linesOf((await ok(['audit', '--all'])).stdout);
    expect(lines).toHaveLength(2 * EXPORT_PAGE_SIZE + 346);
    const events = lines.map((l) => JSON.parse(l) as { id: number; subjectEmail: string; action: string });
    expect(events.map((e) => e.id)).toEqual(events.map((_, i) => i + 1));
    expect(events[0]).toMatchObject({ action: 'user.created', subjectEmail: 'dev@example.com' });
    expect(events.at(-1)).toMatchObject({ details: { n: 2 * EXPORT_PAGE_SIZE + 345 } });
  });

  test('--all --user exports one person, and --all refuses --limit and --before', async () => {
    const { user: ann } = await s.users.addUser(OPERATOR, { email: 'ann@example.com' });
    const { user: bob } = await s.users.addUser(OPERATOR, { email: 'bob@example.com' });
    await seedEvents(EXPORT_PAGE_SIZE + 1, ann.id);
    await seedEvents(3, bob.id);
    const lines = linesOf((await ok(['audit', '--all', '--user', 'bob@example.com'])).stdout);
    expect(lines.map((l) => (JSON.parse(l) as { subjectEmail: string }).subjectEmail)).toEqual(
      Array(4).fill('bob@example.com'),
    );
    for (const extra of [
      ['--limit', '5'],
      ['--before', '9'],
    ]) {
      const refused = await runInProcess(handle, ['audit', '--all', ...extra]);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toContain('--all exports every event; give it without --limit and --before');
    }
  });

  test('--all waits for a slow reader: it holds one page, not the whole trail', async () => {
    const { user } = await s.users.addUser(OPERATOR, { email: 'dev@example.com' });
    await seedEvents(5 * EXPORT_PAGE_SIZE, user.id);
    // A pipe whose reader is slow: every write fills its buffer, and it drains a little later.
    let buffered = 0;
    let mostBuffered = 0;
    let text = '';
    const drainListeners: Array<() => void> = [];
    const stdout = {
      write: (chunk: string) => {
        text += chunk;
        buffered += 1;
        mostBuffered = Math.max(mostBuffered, buffered);
        setTimeout(() => {
          buffered -= 1;
          for (const listener of drainListeners.splice(0)) listener();
        }, 5);
        return false;
      },
      once: (_event: 'drain', listener: () => void) => drainListeners.push(listener),
    };
    let stderr = '';
    const code = await runCli(
      ['audit', '--all'],
      {
        stdin: Readable.from([]),
        stdout,
        stderr: { write: (chunk: string) => (stderr += chunk) },
        env: { DATABASE_URL: 'pglite:memory', ...FAST_ARGON2 },
      },
      { openDatabase: async () => ({ ...handle, close: async () => {} }), clock },
    );
    expect(code, stderr).toBe(0);
    expect(linesOf(text)).toHaveLength(5 * EXPORT_PAGE_SIZE + 1);
    expect(mostBuffered).toBe(1);
  });
});
