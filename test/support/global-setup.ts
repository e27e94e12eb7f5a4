/**
 * Runs once per `vitest run`, in the main process, before any worker starts: names the
 * run (workers inherit the variable) and, at the end, drops the PostgreSQL databases the
 * run created (see runDatabasePrefix in test-database.ts).
 */
import postgres from 'postgres';
import { runDatabasePrefix, serverUrl } from './test-database.ts';

export default function setup() {
  process.env.TOKENDESK_TEST_RUN ??= String(process.pid);
  return async () => {
    const base = serverUrl();
    if (!base) return;
    const admin = postgres(base, { max: 1, onnotice: () => {} });
    try {
      const names = await admin<{ datname: string }[]>`
        select datname from pg_database where starts_with(datname, ${runDatabasePrefix()})`;
      for (const { datname } of names)
        await admin.unsafe(`drop database if exists "${datname}" with (force)`);
    } finally {
      await admin.end();
    }
  };
}
