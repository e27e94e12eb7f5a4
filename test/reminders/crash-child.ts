/**
 * A Tokendesk instance that runs one reminder sweep and is meant to be killed mid-way:
 * the crash test makes the Slack fake hold conversations.open, so this process sits between
 * claiming a reminder and sending it until the test SIGKILLs it. Its clock is fixed to
 * CLOCK_ISO so that its lease is comparable with the test's manual clock.
 */
import { parseConfig } from '../../src/config.ts';
import { openDatabase } from '../../src/db/client.ts';
import { createServices } from '../../src/services.ts';
import { createLogger } from '../../src/shared/logger.ts';
import { createBackgroundDeliveries } from '../../src/slack/reminders/background.ts';

const config = parseConfig({ env: process.env });
const now = new Date(process.env.CLOCK_ISO ?? '');
const handle = await openDatabase(config.databaseUrl, { maxConnections: 2 });
const services = createServices({ db: handle.db, config, clock: { now: () => now } });
const logger = createLogger({ level: 'error', sink: () => undefined });
const background = createBackgroundDeliveries({ services, config, logger });
process.stdout.write('sweeping\n');
await background.runReminderSweep();
process.stdout.write('swept\n');
await handle.close();
