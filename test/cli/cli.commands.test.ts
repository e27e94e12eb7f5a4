/**
 * Every CLI command in-process through `runCli`, against the shared test database and a
 * manual clock: arguments, output, exit codes and error lines.
 */
import { sql } from 'drizzle-orm';
import { beforeEach, describe, expect, test } from 'vitest';
import { COMMANDS } from '../../src/cli/commands.ts';
import type { DatabaseHandle } from '../../src/db/client.ts';
import { OPERATOR } from '../../src/shared/actor.ts';
import { ManualClock } from '../../src/shared/clock.ts';
import { cryptoRandom } from '../../src/shared/random.ts';
import { formatToken } from '../../src/tokens/token-format.ts';
import { type CliResult, linesOf, runInProcess } from '../support/cli.ts';
import { makeServices, type TestServices } from '../support/services.ts';
import { engineName, getTestDatabase, rowsOf } from '../support/test-database.ts';

const DAY = 86_400_000;

describe(`tokendesk commands in-process on ${engineName()}`, () => {
  let handle: DatabaseHandle;
  let clock: ManualClock;
  let s: TestServices;

  beforeEach(async () => {
    handle = await getTestDatabase();
    clock = new ManualClock('2026-06-01T12:00:00Z');
    s = makeServices(handle, { clock });
  });

  const run = (argv: string[], options: { stdin?: string; env?: Record<string, string> } = {}) =>
    runInProcess(handle, argv, { ...options, deps: { clock } });

  /** Runs a command that must succeed, and returns its output. */
  const ok = async (argv: string[], options: { stdin?: string } = {}): Promise<CliResult> => {
    const result = await run(argv, options);
    expect(result, `tokendesk ${argv.join(' ')}`).toMatchObject({ code: 0 });
    return result;
  };

  /** Runs a command that must fail with `code` and exactly one line on stderr; returns that line. */
  const fails = async (
    code: number,
    argv: string[],
    options: { stdin?: string; env?: Record<string, string> } = {},
  ) => {
    const result = await run(argv, options);
    expect(result.code, `${argv.join(' ')} → ${result.stderr}`).toBe(code);
    expect(result.stdout).toBe('');
    const lines = linesOf(result.stderr);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^tokendesk: /);
    return lines[0]!;
  };

  const createToken = async (email: string, ...extra: string[]) => {
    const result = await ok(['tokens', 'create', '--user', email, ...extra]);
    const token = result.stdout.trim();
    return { token, id: token.slice(4, 16), stderr: result.stderr };
  };

  describe('help and usage', () => {
    test('help lists every command of the table, with the exit codes', async () => {
      for (const argv of [[], ['help'], ['--help'], ['-h']]) {
        const result = await ok(argv);
        for (const command of COMMANDS) expect(result.stdout).toContain(`tokendesk ${command.name}`);
        expect(result.stdout).toContain('Exit codes');
        expect(result.stdout).toContain('DATABASE_URL');
      }
    });

    test('help for one command or one group shows its usage', async () => {
      const one = await ok(['help', 'tokens', 'create']);
      expect(one.stdout).toMatch(
        /^Usage: tokendesk tokens create --user E \[--name N\] \[--expires-in 30d \| --expires YYYY-MM-DD\]/,
      );
      expect((await ok(['tokens', 'create', '--help'])).stdout).toBe(one.stdout);
      expect((await ok(['tokens', 'revoke', '-h'])).stdout).toContain(
        'Usage: tokendesk tokens revoke ID [--reason R]',
      );
      const group = await ok(['help', 'admins']);
      expect(group.stdout).toContain('tokendesk admins grant E');
      expect(group.stdout).toContain('tokendesk admins list');
      expect((await ok(['admins', '--help'])).stdout).toBe(group.stdout);
    });

    test.each([
      [['frobnicate'], 'unknown command "frobnicate" (run `tokendesk help`)'],
      [['--verbose'], 'unknown option --verbose before the command (run `tokendesk help`)'],
      [['help', 'nothing'], 'no command "nothing" (run `tokendesk help`)'],
      [
        ['tokens'],
        'tokens: missing subcommand (one of create, list, revoke, verify) (run `tokendesk help tokens`)',
      ],
      [['tokens', 'mint'], 'tokens: unknown subcommand "mint"'],
      [
        ['tokens', 'list', '--colour'],
        'tokens list: unknown option --colour (run `tokendesk help tokens list`)',
      ],
      [['tokens', 'create'], 'tokens create: missing --user E'],
      [['tokens', 'create', '--user'], 'tokens create: --user needs a value'],
      [['tokens', 'create', '--user', ''], 'tokens create: --user must not be empty'],
      [['tokens', 'list', '--json=yes'], 'tokens list: --json does not take a value'],
      [['tokens', 'revoke'], 'tokens revoke: missing ID'],
      [['tokens', 'revoke', 'a', 'b'], 'tokens revoke: unexpected argument "b"'],
      [['users', 'deactivate'], 'users deactivate: missing E'],
      [['admins', 'grant', '--email', 'x@y.z'], 'admins grant: unknown option --email'],
      [
        ['tokens', 'create', '--user', 'a@b.c', '--expires-in', '30d', '--expires', '2026-07-01'],
        'tokens create: give either --expires-in or --expires, not both',
      ],
      [
        ['tokens', 'create', '--user', 'a@b.c', '--expires-in', '30'],
        'tokens create: --expires-in expects days',
      ],
      [
        ['tokens', 'create', '--user', 'a@b.c', '--expires-in', '-3d'],
        'tokens create: --expires-in needs a value',
      ],
      [
        ['tokens', 'create', '--user', 'a@b.c', '--expires', '1/7/2026'],
        'tokens create: --expires expects a date',
      ],
      [['audit', '--limit', '0'], 'audit: --limit expects a whole number from 1 to 1000'],
      [['audit', '--limit', 'ten'], 'audit: --limit expects a whole number from 1 to 1000'],
      [['audit', '--before', '-1'], 'audit: --before needs a value'],
    ])('bad usage %j exits 2 with one line and a hint', async (argv, message) => {
      const line = await fails(2, argv);
      expect(line).toContain(message);
      expect(line).toMatch(/\(run `tokendesk help[a-z ]*`\)$/);
    });

    test('a bad configuration exits 2 naming every bad variable on one line', async () => {
      const line = await fails(2, ['tokens', 'list'], {
        env: { DATABASE_URL: 'mysql://x', TOKEN_PEPPER: 'short', TOKEN_DEFAULT_DAYS: '0' },
      });
      expect(line).toContain('DATABASE_URL');
      expect(line).toContain('TOKEN_PEPPER');
      expect(line).toContain('TOKEN_DEFAULT_DAYS');
      expect(line).not.toContain('short');
    });

    test('usage errors are found before the configuration is read', async () => {
      const line = await fails(2, ['tokens', 'nope'], { env: { ARGON2_MEMORY_KIB: 'lots' } });
      expect(line).toContain('unknown subcommand');
    });

    test('an unexpected error is one redacted line and exit 70, with no stack trace', async () => {
      const secret = 'pepper-pepper-pepper';
      const leaked = formatToken('AAAAAAAAAAAA', cryptoRandom);
      const result = await runInProcess(handle, ['users', 'list'], {
        env: { TOKEN_PEPPER: secret },
        deps: {
          commands: [
            {
              name: 'users list',
              summary: 'boom',
              run: async () => {
                throw new Error(`exploded near ${leaked} with ${secret}\n    at somewhere (file.ts:1:1)`);
              },
            },
          ],
        },
      });
      expect(result.code).toBe(70);
      expect(linesOf(result.stderr)).toEqual([
        'tokendesk: internal error: exploded near [REDACTED] with [REDACTED] at somewhere (file.ts:1:1)',
      ]);
    });

    test('an unexpected error names its cause', async () => {
      const result = await runInProcess(handle, ['audit'], {
        deps: {
          commands: [
            {
              name: 'audit',
              summary: 'boom',
              run: async () => {
                throw new Error('Failed query: select 1', { cause: new Error('connection reset') });
              },
            },
          ],
        },
      });
      expect(result).toMatchObject({
        code: 70,
        stderr: 'tokendesk: internal error: connection reset (Failed query: select 1)\n',
      });
    });

    test('a database that cannot be opened exits 70 with one line naming it without its password', async () => {
      const result = await runInProcess(handle, ['users', 'list'], {
        env: { DATABASE_URL: 'postgres://tokendesk:hunter2hunter2@db.invalid:5432/tokendesk' },
        deps: {
          openDatabase: async () => {
            throw new Error('getaddrinfo ENOTFOUND db.invalid (password hunter2hunter2)');
          },
        },
      });
      expect(result.code).toBe(70);
      expect(linesOf(result.stderr)).toEqual([
        'tokendesk: cannot use the database postgres://db.invalid:5432/tokendesk: getaddrinfo ENOTFOUND db.invalid (password [REDACTED])',
      ]);
    });
  });

  describe('migrate', () => {
    test('migrate reports that the shared database is already up to date', async () => {
      const result = await ok(['migrate']);
      expect(result.stdout).toMatch(/^Nothing to do; .* is up to date\.\n$/);
    });
  });

  describe('users and admins', () => {
    test('users add creates a user once; adding the same e-mail in another case changes nothing', async () => {
      expect((await ok(['users', 'add', '--email', 'Ann@Example.com', '--name', 'Ann'])).stdout).toBe(
        'Added Ann@Example.com (member).\n',
      );
      expect((await ok(['users', 'add', '--email', 'ann@EXAMPLE.com'])).stdout).toBe(
        'Ann@Example.com already exists (member); nothing changed.\n',
      );
      const rows = rowsOf(await handle.db.execute(sql`select id from users`));
      expect(rows).toHaveLength(1);
    });

    test('users add refuses an invalid e-mail as bad usage', async () => {
      expect(await fails(2, ['users', 'add', '--email', 'not-an-address'])).toContain(
        'is not an e-mail address',
      );
    });

    test('users list shows role, status and active token counts; --json parses', async () => {
      await ok(['users', 'add', '--email', 'b@example.com']);
      await ok(['users', 'add', '--email', 'a@example.com', '--name', 'A']);
      await ok(['admins', 'grant', 'a@example.com']);
      await createToken('b@example.com');
      await createToken('b@example.com');
      const table = linesOf((await ok(['users', 'list'])).stdout);
      expect(table[0]).toMatch(/^EMAIL\s+NAME\s+ROLE\s+STATUS\s+TOKENS\s+CREATED \(UTC\)$/);
      expect(table[1]).toMatch(/^a@example\.com\s+A\s+admin\s+active\s+0\s+2026-06-01 12:00$/);
      expect(table[2]).toMatch(/^b@example\.com\s+-\s+member\s+active\s+2\s+2026-06-01 12:00$/);
      const json = JSON.parse((await ok(['users', 'list', '--json'])).stdout);
      expect(json).toMatchObject([
        { email: 'a@example.com', role: 'admin', activeTokens: 0 },
        { email: 'b@example.com', role: 'member', status: 'active', activeTokens: 2 },
      ]);
    });

    test('an empty database lists no users, no admins, no tokens and no audit events', async () => {
      expect((await ok(['users', 'list'])).stdout).toBe('No users.\n');
      expect((await ok(['admins', 'list'])).stdout).toContain('No admins yet');
      expect((await ok(['tokens', 'list'])).stdout).toBe('No tokens.\n');
      expect((await ok(['audit'])).stdout).toBe('No audit events.\n');
    });

    test('admins grant and revoke say whether anything changed; the last admin stays', async () => {
      await ok(['users', 'add', '--email', 'a@example.com']);
      await ok(['users', 'add', '--email', 'b@example.com']);
      expect((await ok(['admins', 'grant', 'A@example.com'])).stdout).toBe(
        'a@example.com is now an admin.\n',
      );
      expect((await ok(['admins', 'grant', 'a@example.com'])).stdout).toContain('was already an admin');
      await ok(['admins', 'grant', 'b@example.com']);
      expect(linesOf((await ok(['admins', 'list'])).stdout)).toHaveLength(3);
      expect((await ok(['admins', 'revoke', 'b@example.com'])).stdout).toBe(
        'b@example.com is no longer an admin.\n',
      );
      expect((await ok(['admins', 'revoke', 'b@example.com'])).stdout).toContain('was not an admin');
      expect(await fails(1, ['admins', 'revoke', 'a@example.com'])).toBe(
        'tokendesk: a@example.com is the last admin and cannot be removed',
      );
      expect(JSON.parse((await ok(['admins', 'list', '--json'])).stdout)).toMatchObject([
        { email: 'a@example.com' },
      ]);
    });

    test('an unknown e-mail is a not-found "no" (exit 1)', async () => {
      expect(await fails(1, ['admins', 'grant', 'ghost@example.com'])).toBe(
        'tokendesk: No user with e-mail ghost@example.com',
      );
      await fails(1, ['users', 'deactivate', 'ghost@example.com']);
      await fails(1, ['tokens', 'create', '--user', 'ghost@example.com']);
      await fails(1, ['tokens', 'list', '--user', 'ghost@example.com']);
    });

    test('users deactivate revokes every active token in the same step and is idempotent', async () => {
      await ok(['users', 'add', '--email', 'leaver@example.com']);
      const one = await createToken('leaver@example.com');
      const two = await createToken('leaver@example.com');
      await ok(['tokens', 'revoke', one.id]);
      const result = await ok(['users', 'deactivate', 'leaver@example.com']);
      expect(result.stdout).toBe(`Deactivated leaver@example.com; revoked 1 token: ${two.id}.\n`);
      expect((await ok(['users', 'deactivate', 'leaver@example.com'])).stdout).toContain(
        'already deactivated',
      );
      expect((await s.tokens.verify(two.token)).ok).toBe(false);
      await fails(1, ['tokens', 'create', '--user', 'leaver@example.com']);
      expect(linesOf((await ok(['users', 'list'])).stdout)[1]).toMatch(/deactivated\s+0/);
    });

    test('users deactivate offboards the last admin too, and says on stderr how to make another', async () => {
      await ok(['users', 'add', '--email', 'boss@example.com']);
      await ok(['users', 'add', '--email', 'next@example.com']);
      await ok(['admins', 'grant', 'boss@example.com']);
      await ok(['admins', 'grant', 'next@example.com']);
      const first = await ok(['users', 'deactivate', 'next@example.com']);
      expect(first.stderr).not.toContain('No active Tokendesk admin');
      const last = await ok(['users', 'deactivate', 'boss@example.com']);
      expect(last.stdout).toBe('Deactivated boss@example.com; revoked 0 tokens.\n');
      expect(last.stderr).toContain('warning: No active Tokendesk admin remains');
      expect(last.stderr).toContain('tokendesk admins grant <e-mail>');
      expect((await ok(['admins', 'list'])).stdout).not.toContain('boss@example.com');
    });
  });

  describe('tokens', () => {
    beforeEach(async () => {
      await s.users.addUser(OPERATOR, { email: 'dev@example.com', name: 'Dev' });
    });

    test('tokens create prints only the token on stdout, and the metadata on stderr', async () => {
      const result = await ok(['tokens', 'create', '--user', 'DEV@example.com', '--name', 'CI deploy']);
      expect(result.stdout).toMatch(/^tdk_[A-Za-z0-9]{40}\n$/);
      const id = result.stdout.slice(4, 16);
      expect(linesOf(result.stderr)).toEqual([
        `Created token ${id} "CI deploy" for dev@example.com.`,
        'Expires 2026-08-30 12:00 UTC (in 90 days).',
        'This is the only time the token is shown: store it now.',
      ]);
    });

    test('--expires-in takes days or weeks, --expires a UTC day that the token is valid through', async () => {
      expect((await createToken('dev@example.com', '--expires-in', '30d')).stderr).toContain(
        'Expires 2026-07-01 12:00 UTC (in 30 days)',
      );
      expect((await createToken('dev@example.com', '--expires-in', '2w')).stderr).toContain(
        'Expires 2026-06-15 12:00 UTC (in 14 days)',
      );
      expect((await createToken('dev@example.com', '--expires', '2026-06-01')).stderr).toContain(
        'Expires 2026-06-02 00:00 UTC (in 12 hours)',
      );
    });

    test('an expiry outside the policy is refused as bad usage with the reason', async () => {
      expect(
        await fails(2, ['tokens', 'create', '--user', 'dev@example.com', '--expires-in', '0d']),
      ).toContain('at least one whole day');
      expect(
        await fails(2, ['tokens', 'create', '--user', 'dev@example.com', '--expires-in', '53w']),
      ).toContain('at most 365 days');
      expect(
        await fails(2, ['tokens', 'create', '--user', 'dev@example.com', '--expires', '2026-05-31']),
      ).toContain('must be in the future');
      expect(
        await fails(2, ['tokens', 'create', '--user', 'dev@example.com', '--expires', '2026-02-30']),
      ).toContain('not a calendar date');
      expect(await fails(2, ['tokens', 'create', '--user', 'dev@example.com', '--name', 'a<b'])).toContain(
        'at most 64 characters',
      );
    });

    test('tokens list is a UTC table of id, name, owner, created, expiry, last used (when, where) and status', async () => {
      await s.users.addUser(OPERATOR, { email: 'ops@example.com' });
      const a = await createToken('dev@example.com', '--name', 'first', '--expires-in', '1d');
      clock.advance(60_000);
      const b = await createToken('ops@example.com', '--name', 'second');
      clock.advance(60_000);
      const c = await createToken('dev@example.com', '--name', 'third');
      await ok(['tokens', 'revoke', c.id]);
      await s.repos.tokens.touchLastUsed(handle.db, [
        { id: b.id, at: new Date('2026-06-01T18:30:00Z'), ip: '203.0.113.7' },
      ]);
      clock.advance(DAY);
      const lines = linesOf((await ok(['tokens', 'list'])).stdout);
      expect(lines[0]).toMatch(
        /^ID\s+NAME\s+OWNER\s+CREATED \(UTC\)\s+EXPIRES \(UTC\)\s+LAST USED \(UTC\)\s+LAST IP\s+STATUS$/,
      );
      expect(lines.slice(1).map((l) => l.split(/\s{2,}/))).toEqual([
        [c.id, 'third', 'dev@example.com', '2026-06-01 12:02', '2026-08-30 12:02', 'never', '-', 'revoked'],
        [
          b.id,
          'second',
          'ops@example.com',
          '2026-06-01 12:01',
          '2026-08-30 12:01',
          '2026-06-01 18:30',
          '203.0.113.7',
          'active',
        ],
        [a.id, 'first', 'dev@example.com', '2026-06-01 12:00', '2026-06-02 12:00', 'never', '-', 'expired'],
      ]);
      const mine = linesOf((await ok(['tokens', 'list', '--user', 'dev@example.com'])).stdout);
      expect(mine.slice(1).map((l) => l.slice(0, 12))).toEqual([c.id, a.id]);
      const active = linesOf((await ok(['tokens', 'list', '--active'])).stdout);
      expect(active.slice(1).map((l) => l.slice(0, 12))).toEqual([b.id]);
    });

    test('tokens list --json holds the metadata with ISO dates and no hash or secret', async () => {
      const { token, id } = await createToken('dev@example.com', '--name', 'CI');
      const result = await ok(['tokens', 'list', '--json']);
      expect(JSON.parse(result.stdout)).toEqual([
        {
          id,
          name: 'CI',
          owner: { id: expect.any(String), email: 'dev@example.com', name: 'Dev' },
          status: 'active',
          createdAt: '2026-06-01T12:00:00.000Z',
          expiresAt: '2026-08-30T12:00:00.000Z',
          lastUsedAt: null,
          lastUsedIp: null,
          revokedAt: null,
          revokeReason: null,
        },
      ]);
      expect(result.stdout).not.toMatch(/argon2|hash|secret/i);
      expect(result.stdout).not.toContain(token.slice(16));
    });

    test('tokens revoke records the reason, and a second revoke says "already revoked"', async () => {
      const { id } = await createToken('dev@example.com', '--name', 'CI');
      expect((await ok(['tokens', 'revoke', id, '--reason', 'leaked in a log'])).stdout).toBe(
        `Revoked token ${id} "CI" of dev@example.com.\n`,
      );
      clock.advance(DAY);
      expect((await ok(['tokens', 'revoke', id])).stdout).toBe(
        `Token ${id} was already revoked on 2026-06-01 12:00 UTC (leaked in a log); nothing changed.\n`,
      );
      const revokes = (await s.audit.list(OPERATOR, { limit: 10 })).filter(
        (e) => e.action === 'token.revoked',
      );
      expect(revokes).toHaveLength(1);
      expect(revokes[0]!.details).toMatchObject({ reason: 'leaked in a log' });
    });

    test('revoking an unknown id is a not-found "no"', async () => {
      expect(await fails(1, ['tokens', 'revoke', 'AAAAAAAAAAAA'])).toBe(
        'tokendesk: No token with id AAAAAAAAAAAA',
      );
    });

    test('tokens verify exits 0 for an active token and 1 with the reason otherwise, never echoing it', async () => {
      const { token, id } = await createToken('dev@example.com', '--name', 'CI', '--expires-in', '1d');
      const active = await ok(['tokens', 'verify'], { stdin: `\n  ${token}  \r\n` });
      expect(active.stdout).toBe(
        `active: token ${id} "CI" of dev@example.com, expires 2026-06-02 12:00 UTC\n`,
      );
      const cases: Array<[string, string]> = [
        ['tdk_nonsense', 'token is not active: malformed'],
        [`${token.slice(0, -1)}${token.endsWith('x') ? 'y' : 'x'}`, 'token is not active: malformed'],
        [formatToken('ZZZZZZZZZZZZ', cryptoRandom), 'token is not active: unknown'],
        [formatToken(id, cryptoRandom), 'token is not active: unknown'],
        ['x'.repeat(100_000), 'token is not active: malformed'],
      ];
      for (const [candidate, reason] of cases) {
        const line = await fails(1, ['tokens', 'verify'], { stdin: candidate });
        expect(line).toContain(reason);
        expect(line).not.toContain(candidate.slice(4, 30));
      }
      clock.advance(DAY);
      expect(await fails(1, ['tokens', 'verify'], { stdin: token })).toBe(
        `tokendesk: token is not active: expired (token ${id})`,
      );
      clock.advance(-DAY);
      await ok(['tokens', 'revoke', id]);
      expect(await fails(1, ['tokens', 'verify'], { stdin: token })).toBe(
        `tokendesk: token is not active: revoked (token ${id})`,
      );
    });

    test('tokens verify wants the token on stdin and refuses it as an argument without echoing it', async () => {
      const { token } = await createToken('dev@example.com');
      expect(await fails(2, ['tokens', 'verify'], { stdin: ' \n ' })).toContain(
        'expected the token on stdin',
      );
      const line = await fails(2, ['tokens', 'verify', token]);
      expect(line).toContain('read from stdin, never from the command line');
      expect(line).not.toContain(token.slice(4));
    });
  });

  describe('audit', () => {
    test('audit shows the newest events first, with --limit and --before for paging', async () => {
      await ok(['users', 'add', '--email', 'dev@example.com']);
      const { id } = await createToken('dev@example.com', '--name', 'CI');
      await ok(['tokens', 'revoke', id, '--reason', 'rotation']);
      const lines = linesOf((await ok(['audit', '--limit', '2'])).stdout);
      expect(lines[0]).toMatch(/^ID\s+AT \(UTC\)\s+ACTOR\s+ACTION\s+SUBJECT\s+TOKEN\s+DETAILS$/);
      expect(lines.slice(1).map((l) => l.split(/\s{2,}/).slice(0, 6))).toEqual([
        ['3', '2026-06-01 12:00', 'operator:cli', 'token.revoked', 'dev@example.com', id],
        ['2', '2026-06-01 12:00', 'operator:cli', 'token.generated', 'dev@example.com', id],
      ]);
      expect(lines[1]).toContain('{"name":"CI","reason":"rotation"}');
      const older = linesOf((await ok(['audit', '--before', '2'])).stdout);
      expect(older.slice(1).map((l) => l.split(/\s{2,}/)[3])).toEqual(['user.created']);
    });

    test('audit --json labels operator actions as the operator and names subjects by e-mail', async () => {
      await ok(['users', 'add', '--email', 'dev@example.com']);
      await ok(['admins', 'grant', 'dev@example.com']);
      const events = JSON.parse((await ok(['audit', '--json'])).stdout) as Array<Record<string, unknown>>;
      expect(events).toEqual([
        expect.objectContaining({
          action: 'admin.granted',
          actorId: null,
          actorLabel: 'operator:cli',
          subjectEmail: 'dev@example.com',
          at: '2026-06-01T12:00:00.000Z',
        }),
        expect.objectContaining({
          action: 'user.created',
          actorLabel: 'operator:cli',
          details: { role: 'member' },
        }),
      ]);
    });
  });
});
