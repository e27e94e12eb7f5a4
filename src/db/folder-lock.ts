/**
 * PGlite keeps its database in a folder but has no lock of its own: two processes (the
 * app and a CLI command, or two app instances) opening one folder both succeed, each with
 * its own buffers, and corrupt it. This lock file makes the second one stop with a reason.
 * A lock left by a process that died is taken over.
 */
import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { AppError } from '../shared/errors.ts';

export const LOCK_FILE = 'tokendesk.lock';

export interface FolderLock {
  release(): void;
}

const isAlive = (pid: number): boolean => {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

const holderOf = (path: string): number | undefined => {
  try {
    return Number(readFileSync(path, 'utf8').trim());
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
};

/** Takes the folder's lock for this process, or throws `db.locked` naming the holder. */
export const lockFolder = (dir: string, pid = process.pid): FolderLock => {
  const path = join(dir, LOCK_FILE);
  for (let attempt = 0; attempt < 3; attempt += 1) {
    try {
      const fd = openSync(path, 'wx');
      try {
        writeSync(fd, `${pid}\n`);
      } finally {
        closeSync(fd);
      }
      return {
        release: () => {
          try {
            if (holderOf(path) === pid) unlinkSync(path);
          } catch {
            // Already gone, or the folder with it: nothing to release.
          }
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = holderOf(path);
    if (holder !== undefined && isAlive(holder)) {
      throw new AppError(
        'db.locked',
        `the PGlite database in ${dir} is open in another process (pid ${holder}${holder === pid ? ', this one' : ''}); ` +
          'PGlite is one process’s database: stop that process first, or use PostgreSQL to run several ' +
          `(if no such process runs, delete ${path})`,
        { holder },
      );
    }
    // The holder died without releasing: take over its lock.
    try {
      unlinkSync(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
  throw new AppError('db.locked', `could not lock the PGlite database in ${dir}; try again`);
};
