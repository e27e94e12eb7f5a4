/**
 * One database type for two engines: a PostgreSQL server through postgres.js, or
 * embedded PGlite (in a folder or in memory). `DATABASE_URL` picks the engine.
 */
import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { sql } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import { type FolderLock, lockFolder } from './folder-lock.ts';
import * as schema from './schema.ts';

export type Database = PgDatabase<PgQueryResultHKT, typeof schema>;
/** A database or a transaction: repositories accept either. */
export type Executor = Pick<Database, 'select' | 'insert' | 'update' | 'delete' | 'execute'>;
export type Transaction = Parameters<Parameters<Database['transaction']>[0]>[0];

export type EngineKind = 'postgres' | 'pglite';

export interface DatabaseHandle {
  readonly db: Database;
  readonly kind: EngineKind;
  /** The URL it was opened with, for the migrator (never logged: it may hold a password). */
  readonly url: string;
  /** Resolves when the database answers a trivial query; rejects otherwise. */
  ping(): Promise<void>;
  /** Subscribes to a Postgres NOTIFY channel; resolves to an unsubscribe function. */
  listen(channel: string, onMessage: (payload: string) => void): Promise<() => Promise<void>>;
  notify(channel: string, payload: string): Promise<void>;
  close(): Promise<void>;
}

export interface OpenOptions {
  /** postgres.js pool size. */
  maxConnections?: number;
  onNotice?: (message: string) => void;
}

/** Rows of a raw `execute`, whichever driver produced them (postgres.js: an array; PGlite: `.rows`). */
export const rowsOf = <T>(result: unknown): T[] =>
  (Array.isArray(result) ? result : ((result as { rows?: T[] }).rows ?? [])) as T[];

export const describeDatabaseUrl = (url: string): string => {
  if (url.startsWith('pglite:')) return url;
  try {
    const u = new URL(url);
    return `postgres://${u.hostname}:${u.port || '5432'}${u.pathname}`;
  } catch {
    return 'postgres://(unparseable)';
  }
};

export const openDatabase = async (url: string, options: OpenOptions = {}): Promise<DatabaseHandle> => {
  if (url.startsWith('pglite:')) return openPglite(url);
  return openPostgres(url, options);
};

const openPglite = async (url: string): Promise<DatabaseHandle> => {
  const where = url.slice('pglite:'.length);
  let client: PGlite;
  let lock: FolderLock | undefined;
  if (where === 'memory') {
    client = await PGlite.create();
  } else {
    mkdirSync(where, { recursive: true });
    lock = lockFolder(where);
    try {
      client = await PGlite.create(where);
    } catch (error) {
      lock.release();
      throw error;
    }
  }
  const db = drizzlePglite({ client, schema }) as unknown as Database;
  return {
    db,
    kind: 'pglite',
    url,
    ping: async () => {
      await client.query('select 1');
    },
    listen: async (channel, onMessage) => {
      const unsubscribe = await client.listen(channel, onMessage);
      return async () => unsubscribe();
    },
    notify: async (channel, payload) => {
      await db.execute(sql`select pg_notify(${channel}, ${payload})`);
    },
    close: async () => {
      try {
        if (!client.closed) await client.close();
      } finally {
        lock?.release();
      }
    },
  };
};

const openPostgres = async (url: string, options: OpenOptions): Promise<DatabaseHandle> => {
  const client = postgres(url, {
    max: options.maxConnections ?? 10,
    onnotice: (notice) => options.onNotice?.(String(notice.message)),
    connect_timeout: 5,
    idle_timeout: 30,
  });
  const db = drizzlePostgres({ client, schema }) as unknown as Database;
  return {
    db,
    kind: 'postgres',
    url,
    ping: async () => {
      await client`select 1`;
    },
    listen: async (channel, onMessage) => {
      const { unlisten } = await client.listen(channel, (payload) => onMessage(payload));
      return unlisten;
    },
    notify: async (channel, payload) => {
      await client.notify(channel, payload);
    },
    close: async () => {
      await client.end({ timeout: 5 });
    },
  };
};
