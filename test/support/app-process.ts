/**
 * The real process entry (`npm start`: src/index.ts) as a subprocess, for what only a
 * process shows: start-up, exit codes, signals, several instances on one database.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
// Resolved from the project, because the child runs in an empty temporary folder.
const TSX_LOADER = import.meta.resolve('tsx');

export const freePort = () =>
  new Promise<number>((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });

export interface AppProcess {
  child: ChildProcess;
  port: number;
  baseUrl: string;
  exited: Promise<number | null>;
  output(): string;
  /** Resolves true once /healthz answers 200, false if the process exits first or time runs out. */
  healthy(timeoutMs?: number): Promise<boolean>;
}

const running: ChildProcess[] = [];

/** Starts `src/index.ts` in an empty temporary folder with exactly this environment (plus PATH, HOME, PORT). */
export const spawnApp = async (env: Record<string, string>): Promise<AppProcess> => {
  const port = env.PORT ? Number(env.PORT) : await freePort();
  const cwd = mkdtempSync(join(tmpdir(), 'tokendesk-app-'));
  const child = spawn(process.execPath, ['--import', TSX_LOADER, join(root, 'src/index.ts')], {
    cwd,
    env: { PATH: process.env.PATH ?? '', HOME: cwd, PORT: String(port), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.push(child);
  let output = '';
  child.stdout?.on('data', (d) => (output += String(d)));
  child.stderr?.on('data', (d) => (output += String(d)));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const baseUrl = `http://127.0.0.1:${port}`;
  const healthy = async (timeoutMs = 30_000) => {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) return false;
      const res = await fetch(`${baseUrl}/healthz`).catch(() => undefined);
      if (res?.status === 200) return true;
      await new Promise((r) => setTimeout(r, 100));
    }
    return false;
  };
  return { child, port, baseUrl, exited, output: () => output, healthy };
};

/** SIGKILLs every app process still running (for afterEach). */
export const killApps = () => {
  for (const child of running.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
};
