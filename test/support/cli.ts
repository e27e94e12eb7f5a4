/**
 * Running the CLI in tests: in-process through `runCli` against the shared test database
 * (fast, for the fine-grained cases), or as a real subprocess through bin/tokendesk.mjs
 * against a database of its own (slow, for what only a process can show: stdio, exit codes,
 * the shebang and tsx registration).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';
import { type CliDeps, runCli } from '../../src/cli/main.ts';
import type { DatabaseHandle } from '../../src/db/client.ts';
import { FAST_ARGON2 } from './services.ts';
import { createServerDatabase, serverUrl } from './test-database.ts';

export const BIN = fileURLToPath(new URL('../../bin/tokendesk.mjs', import.meta.url));

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Non-empty lines of some output. */
export const linesOf = (text: string): string[] => text.split('\n').filter((l) => l.length > 0);

/** Runs `runCli` in-process over an already open (shared) database, which it must not close. */
export const runInProcess = async (
  handle: DatabaseHandle,
  argv: string[],
  options: { stdin?: string; env?: Record<string, string>; deps?: CliDeps } = {},
): Promise<CliResult> => {
  let stdout = '';
  let stderr = '';
  const stdin = Readable.from(options.stdin === undefined ? [] : [options.stdin]);
  const code = await runCli(
    argv,
    {
      stdin,
      stdout: { write: (chunk: string) => (stdout += chunk) },
      stderr: { write: (chunk: string) => (stderr += chunk) },
      env: { DATABASE_URL: 'pglite:memory', ...FAST_ARGON2, ...options.env },
    },
    { openDatabase: async () => ({ ...handle, close: async () => {} }), ...options.deps },
  );
  return { code, stdout, stderr };
};

/** A database for subprocesses: a PGlite folder, or a fresh database on the test server. */
export const createCliDatabase = async (
  name: string,
): Promise<{ url: string; dispose: () => Promise<void> }> => {
  if (!serverUrl()) {
    const dir = mkdtempSync(join(tmpdir(), `tokendesk-${name}-`));
    return { url: `pglite:${dir}`, dispose: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  const url = await createServerDatabase(`${name}_${process.pid}`);
  // createServerDatabase prefixes the name with the run's; drop what it really made.
  const dbName = decodeURIComponent(new URL(url).pathname.slice(1));
  return {
    url,
    dispose: async () => {
      const admin = postgres(serverUrl()!, { max: 1, onnotice: () => {} });
      try {
        await admin.unsafe(`drop database if exists "${dbName}" with (force)`);
      } finally {
        await admin.end();
      }
    },
  };
};

/**
 * Spawns the CLI. By default through `node bin/tokendesk.mjs`; with `direct`, the file itself
 * is executed, which exercises its shebang and executable bit.
 */
export const spawnCli = (
  argv: string[],
  options: { env: Record<string, string>; stdin?: string; direct?: boolean },
): Promise<CliResult> =>
  new Promise((resolve, reject) => {
    const [file, args] = options.direct ? [BIN, argv] : [process.execPath, [BIN, ...argv]];
    const child = spawn(file, args, {
      // Not the repository: `npx tokendesk` runs from wherever the operator is (and no .env is read).
      cwd: tmpdir(),
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...FAST_ARGON2, ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(options.stdin ?? '');
  });
