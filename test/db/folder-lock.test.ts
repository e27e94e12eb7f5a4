/**
 * A PGlite folder belongs to one process at a time. Without the lock two processes (the
 * app and a CLI command) both open it and corrupt it; with it the second is refused with a
 * one-line reason, and a lock left by a dead process is taken over.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { openDatabase } from '../../src/db/client.ts';
import { LOCK_FILE, lockFolder } from '../../src/db/folder-lock.ts';
import { isAppError } from '../../src/shared/errors.ts';
import { linesOf, spawnCli } from '../support/cli.ts';

const dirs: string[] = [];
const freshDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'tokendesk-lock-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** The pid of a process that has already exited. */
const deadPid = () => {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  return Number(String(child.stdout));
};

describe('the PGlite folder lock', () => {
  test('a second open of a folder in use is refused with db.locked; after close it opens again', async () => {
    const dir = freshDir();
    const first = await openDatabase(`pglite:${dir}`);
    try {
      const second = await openDatabase(`pglite:${dir}`).catch((error: unknown) => error);
      expect(isAppError(second, 'db.locked')).toBe(true);
      expect(String((second as Error).message)).toContain(`pid ${process.pid}`);
    } finally {
      await first.close();
    }
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
    const again = await openDatabase(`pglite:${dir}`);
    await again.close();
  }, 60_000);

  test('a CLI command on a folder another process holds exits non-zero with a one-line reason', async () => {
    const dir = freshDir();
    const held = await openDatabase(`pglite:${dir}`);
    try {
      const result = await spawnCli(['users', 'list'], { env: { DATABASE_URL: `pglite:${dir}` } });
      expect(result.code).not.toBe(0);
      expect(linesOf(result.stderr)).toHaveLength(1);
      expect(result.stderr).toContain('open in another process');
      expect(result.stderr).toContain('use PostgreSQL');
    } finally {
      await held.close();
    }
  }, 60_000);

  test('a lock left by a process that died is taken over', async () => {
    const dir = freshDir();
    writeFileSync(join(dir, LOCK_FILE), `${deadPid()}\n`);
    const lock = lockFolder(dir);
    lock.release();
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
  });

  test('release leaves a lock that is not its own alone', () => {
    const dir = freshDir();
    const lock = lockFolder(dir);
    writeFileSync(join(dir, LOCK_FILE), '1\n');
    lock.release();
    expect(existsSync(join(dir, LOCK_FILE))).toBe(true);
  });
});
