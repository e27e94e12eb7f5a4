/** The process entry (`npm start`) as a subprocess: refusals at start-up, then a clean run and shutdown. */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, test } from 'vitest';
import { type SlackFake, startSlackFake } from './support/slack-fake.ts';

const root = fileURLToPath(new URL('../', import.meta.url));
const children: ChildProcess[] = [];
// Resolved from the project, because the child runs in an empty temporary folder.
const TSX_LOADER = import.meta.resolve('tsx');

const start = (env: Record<string, string>) => {
  const cwd = mkdtempSync(join(tmpdir(), 'tokendesk-start-'));
  const child = spawn(process.execPath, ['--import', TSX_LOADER, join(root, 'src/index.ts')], {
    cwd,
    env: { PATH: process.env.PATH ?? '', HOME: cwd, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let output = '';
  child.stdout?.on('data', (d) => {
    output += String(d);
  });
  child.stderr?.on('data', (d) => {
    output += String(d);
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited, output: () => output };
};

afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
});

describe('npm start', () => {
  test('without Slack credentials it exits non-zero naming what is missing and where to read', async () => {
    const run = start({});
    expect(await run.exited).toBe(2);
    expect(run.output()).toContain('SLACK_BOT_TOKEN');
    expect(run.output()).toContain('Create the Slack app from manifest.yml');
  });

  test('a bad setting stops it with a message naming the variable', async () => {
    const run = start({ SLACK_BOT_TOKEN: 'xoxb-x', SLACK_SIGNING_SECRET: 's', PORT: 'eighty' });
    expect(await run.exited).toBe(2);
    expect(run.output()).toContain('PORT');
  });

  describe('with credentials', () => {
    let fake: SlackFake;
    afterEach(async () => fake?.close());

    test('a bot token Slack refuses stops it with one line naming SLACK_BOT_TOKEN', async () => {
      fake = await startSlackFake();
      const wrong = 'xoxb-revoked-or-mistyped-token';
      const run = start({
        SLACK_BOT_TOKEN: wrong,
        SLACK_SIGNING_SECRET: 'startup-test-signing-secret',
        SLACK_API_URL: fake.url,
        PORT: '0',
        DATABASE_URL: 'pglite:memory',
        REMINDER_INTERVAL_SECONDS: '0',
      });
      expect(await run.exited).toBe(2);
      const refusal = run
        .output()
        .split('\n')
        .filter((line) => line.startsWith('tokendesk: '));
      expect(refusal).toEqual([
        expect.stringMatching(/^tokendesk: failed to start: .*SLACK_BOT_TOKEN.*README/),
      ]);
      expect(run.output()).not.toContain(wrong);
      expect(fake.callsTo('auth.test')).toHaveLength(1);
    }, 60_000);

    test('a SIGTERM while Slack is still unreachable at boot stops it cleanly and at once', async () => {
      fake = await startSlackFake();
      fake.failAlways('auth.test', { status: 503 });
      const port = String(20000 + Math.floor(Math.random() * 20000));
      const run = start({
        SLACK_BOT_TOKEN: fake.botToken,
        SLACK_SIGNING_SECRET: 'startup-test-signing-secret',
        SLACK_API_URL: fake.url,
        PORT: port,
        DATABASE_URL: 'pglite:memory',
        REMINDER_INTERVAL_SECONDS: '0',
      });
      let res: Response | undefined;
      for (let i = 0; i < 150 && !res; i++) {
        res = await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined);
        if (!res) await new Promise((r) => setTimeout(r, 200));
      }
      // Serving health checks while it keeps asking Slack who it is.
      expect(res?.status).toBe(200);
      expect(run.output()).not.toContain('Tokendesk listening');
      const signalled = Date.now();
      run.child.kill('SIGTERM');
      expect(await run.exited).toBe(0);
      expect(Date.now() - signalled).toBeLessThan(5000);
      expect(run.output()).toContain('stopped cleanly');
    }, 60_000);

    test('it starts on embedded PGlite, answers /healthz, and stops cleanly on SIGTERM', async () => {
      fake = await startSlackFake();
      const port = String(20000 + Math.floor(Math.random() * 20000));
      const run = start({
        SLACK_BOT_TOKEN: fake.botToken,
        SLACK_SIGNING_SECRET: 'startup-test-signing-secret',
        SLACK_API_URL: fake.url,
        PORT: port,
        REMINDER_INTERVAL_SECONDS: '0',
      });
      let res: Response | undefined;
      for (let i = 0; i < 150 && !res; i++) {
        res = await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined);
        if (!res) await new Promise((r) => setTimeout(r, 200));
      }
      expect(res?.status).toBe(200);
      expect(run.output()).toContain('pglite:./.data');
      run.child.kill('SIGTERM');
      expect(await run.exited).toBe(0);
      expect(run.output()).toContain('stopped cleanly');
      expect(run.output()).not.toContain(fake.botToken);
      expect(run.output()).not.toContain('startup-test-signing-secret');
    }, 60_000);
  });
});
