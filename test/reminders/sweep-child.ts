/**
 * A Tokendesk instance in a process of its own, for the test of several processes sweeping
 * one Postgres together: it opens the database, says "ready", waits for "go" on stdin (so
 * that both processes start at the same moment), sweeps until a sweep finds nothing to
 * claim, and prints what it did as one JSON line. Its clock is fixed to CLOCK_ISO.
 */
import { createInterface } from 'node:readline';
import { parseConfig } from '../../src/config.ts';
import { openDatabase } from '../../src/db/client.ts';
import { emptySummary } from '../../src/reminders/reminders.models.ts';
import { createServices } from '../../src/services.ts';
import { createLogger } from '../../src/shared/logger.ts';
import { createBackgroundDeliveries } from '../../src/slack/reminders/background.ts';

const config = parseConfig({ env: process.env });
const now = new Date(process.env.CLOCK_ISO ?? '');
const handle = await openDatabase(config.databaseUrl, { maxConnections: 2 });
const services = createServices({ db: handle.db, config, clock: { now: () => now } });
const logger = createLogger({ level: 'warn', sink: (line) => process.stderr.write(`${line}\n`) });
const background = createBackgroundDeliveries({ services, config, logger });

const lines = createInterface({ input: process.stdin });
const go = new Promise<void>((resolve) => lines.once('line', () => resolve()));
process.stdout.write('ready\n');
await go;
lines.close();

const total = { ...emptySummary(), sweeps: 0 };
for (;;) {
  const summary = await background.runReminderSweep();
  total.sweeps += 1;
  for (const key of ['claimed', 'sent', 'escalated', 'skipped', 'retried', 'overtaken', 'lost'] as const) {
    total[key] += summary[key];
  }
  if (summary.claimed === 0) break;
}
process.stdout.write(`${JSON.stringify(total)}\n`);
await handle.close();
