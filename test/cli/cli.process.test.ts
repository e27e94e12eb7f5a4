/**
 * The CLI as an operator runs it: a real process through bin/tokendesk.mjs, real stdio,
 * real exit codes, a database of its own. Each spawn costs a second or more (tsx, PGlite
 * start), so this file keeps to a dozen; the fine-grained cases run in-process in
 * cli.commands.test.ts.
 */
import { statSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { BIN, type CliResult, createCliDatabase, linesOf, spawnCli } from '../support/cli.ts';
import { engineName } from '../support/test-database.ts';

const TOKEN_LINE = /^tdk_[A-Za-z0-9]{40}\n$/;

// Generous timeouts: a first PGlite start (initdb) plus a cold tsx start can take tens of seconds on a busy machine.
describe(`the tokendesk command as a subprocess on ${engineName()}`, { timeout: 120_000 }, () => {
  let database: Awaited<ReturnType<typeof createCliDatabase>>;
  const cli = (argv: string[], options: { stdin?: string; direct?: boolean } = {}): Promise<CliResult> =>
    spawnCli(argv, { env: { DATABASE_URL: database.url }, ...options });

  beforeAll(async () => {
    database = await createCliDatabase('cli');
  }, 120_000);
  afterAll(async () => {
    await database?.dispose();
  });

  // The tests below share one database and run in order, like an operator's session.
  let token = '';
  let tokenId = '';

  test('the bin file is executable and runs through its shebang', async () => {
    expect(statSync(BIN).mode & 0o111).not.toBe(0);
    const result = await cli(['users', 'add', '--email', 'Dev@Example.com', '--name', 'Dev'], {
      direct: true,
    });
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toContain('Added Dev@Example.com');
  });

  test('tokens create prints exactly the token line on stdout and its metadata on stderr', async () => {
    const result = await cli([
      'tokens',
      'create',
      '--user',
      'dev@example.com',
      '--name',
      'CI',
      '--expires-in',
      '30d',
    ]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(TOKEN_LINE);
    token = result.stdout.trim();
    tokenId = token.slice(4, 16);
    expect(result.stderr).toContain(`Created token ${tokenId} "CI" for Dev@Example.com`);
    expect(result.stderr).toMatch(/Expires \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC \(in 30 days\)/);
    expect(result.stderr).not.toContain(token);
  });

  test('tokens verify reads the token from stdin and exits 0 while it is active, never echoing it', async () => {
    const result = await cli(['tokens', 'verify'], { stdin: `  ${token}\n\n` });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`active: token ${tokenId} "CI" of Dev@Example.com`);
    expect(result.stdout + result.stderr).not.toContain(token);
  });

  test('tokens list --json parses and holds neither a hash nor the token', async () => {
    const result = await cli(['tokens', 'list', '--json']);
    expect(result.code).toBe(0);
    const items = JSON.parse(result.stdout) as Array<Record<string, unknown>>;
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({
      id: tokenId,
      name: 'CI',
      status: 'active',
      owner: { email: 'Dev@Example.com' },
    });
    expect(result.stdout).not.toMatch(/argon2|secret|hash/i);
    expect(result.stdout).not.toContain(token.slice(16));
  });

  test('after tokens revoke, verify exits 1 with "revoked" on stderr', async () => {
    const revoke = await cli(['tokens', 'revoke', tokenId, '--reason', 'rotation']);
    expect(revoke.code).toBe(0);
    expect(revoke.stdout).toContain(`Revoked token ${tokenId}`);
    const verify = await cli(['tokens', 'verify'], { stdin: token });
    expect(verify.code).toBe(1);
    expect(verify.stdout).toBe('');
    expect(linesOf(verify.stderr)).toEqual([`tokendesk: token is not active: revoked (token ${tokenId})`]);
  });

  test('users deactivate revokes the user\u2019s active tokens', async () => {
    const created = await cli(['tokens', 'create', '--user', 'dev@example.com']);
    expect(created.code).toBe(0);
    const second = created.stdout.trim();
    const result = await cli(['users', 'deactivate', 'dev@example.com']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`Deactivated Dev@Example.com; revoked 1 token: ${second.slice(4, 16)}`);
    const verify = await cli(['tokens', 'verify'], { stdin: second });
    expect(verify.code).toBe(1);
    expect(verify.stderr).toContain('revoked');
  });

  test('audit --json shows every operator action labelled as the operator', async () => {
    const result = await cli(['audit', '--json']);
    expect(result.code).toBe(0);
    const events = JSON.parse(result.stdout) as Array<{
      action: string;
      actorLabel: string;
      actorId: unknown;
    }>;
    expect(events.map((e) => e.action)).toEqual([
      'token.revoked',
      'user.deactivated',
      'token.generated',
      'token.revoked',
      'token.generated',
      'user.created',
    ]);
    for (const event of events) expect(event).toMatchObject({ actorLabel: 'operator:cli', actorId: null });
  });

  test('bad usage exits 2 with one line and a hint, before touching the database', async () => {
    const result = await cli(['tokens', 'create', '--user', 'dev@example.com', '--expires-in', '3 months']);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(linesOf(result.stderr)).toEqual([
      'tokendesk: tokens create: --expires-in expects days or weeks such as 30d or 12w (run `tokendesk help tokens create`)',
    ]);
  });

  test('a bad configuration exits 2 with one line naming the variable', async () => {
    const result = await spawnCli(['tokens', 'list'], {
      env: { DATABASE_URL: database.url, ARGON2_MEMORY_KIB: 'lots' },
    });
    expect(result.code).toBe(2);
    expect(linesOf(result.stderr)).toHaveLength(1);
    expect(result.stderr).toMatch(
      /^tokendesk: Invalid configuration: ARGON2_MEMORY_KIB: expected a whole number/,
    );
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});
