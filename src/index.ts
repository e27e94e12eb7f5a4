/**
 * Process entry: config → database (migrated) → Tokendesk instance → listen. SIGTERM and
 * SIGINT stop taking requests, finish what is in flight, then close the database.
 */
import { existsSync } from 'node:fs';
import { createTokendesk, requireSlackCredentials } from './app.ts';
import { parseConfig, secretValues } from './config.ts';
import { describeDatabaseUrl, openDatabase } from './db/client.ts';
import { migrateDatabase } from './db/migrate.ts';
import { isAppError } from './shared/errors.ts';
import { createLogger, redact } from './shared/logger.ts';
import { BotTokenRejectedError } from './slack/bot-identity.ts';

const SETUP_HINT = 'See README.md, section "Create the Slack app from manifest.yml".';

// Installed before anything asynchronous runs: a stray rejection is logged (scrubbed, through
// the logger once there is one) and never takes the process down.
let reportUnhandled = (error: unknown) => {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  process.stderr.write(`tokendesk: unhandled rejection: ${redact(text)}\n`);
};
process.on('unhandledRejection', (error) => reportUnhandled(error));

const main = async (): Promise<void> => {
  // A local .env (see .env.example) is read when present; real environment variables win.
  if (existsSync('.env')) process.loadEnvFile('.env');
  let config: ReturnType<typeof parseConfig>;
  try {
    config = parseConfig({ env: process.env });
  } catch (error) {
    process.stderr.write(`tokendesk: ${isAppError(error) ? error.message : String(error)}\n`);
    process.exit(2);
  }
  const missing = requireSlackCredentials(config);
  if (missing.length > 0) {
    process.stderr.write(`tokendesk: missing ${missing.join(' and ')}. ${SETUP_HINT}\n`);
    process.exit(2);
  }
  const logger = createLogger({ level: config.logLevel, secrets: secretValues(config) });
  reportUnhandled = (error) => logger.error('unhandled rejection', error);
  const handle = await openDatabase(config.databaseUrl);
  await migrateDatabase(handle);
  logger.info(`database ready: ${describeDatabaseUrl(config.databaseUrl)} (${handle.kind})`);
  const tokendesk = await createTokendesk({ config, handle, logger });

  // Installed before start: /healthz answers while Slack is still being reached, so a SIGTERM
  // can arrive before start() has finished. stop() is safe then; start() winds down after it.
  let starting: Promise<number> | undefined;
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info(`${signal}: finishing in-flight work`);
    const force = setTimeout(() => process.exit(1), 25_000);
    force.unref();
    try {
      await tokendesk.stop();
      await starting?.catch(() => undefined);
      await handle.close();
      logger.info('stopped cleanly');
      process.exit(0);
    } catch (error) {
      logger.error('shutdown failed', error);
      process.exit(1);
    }
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));

  starting = tokendesk.start(config.port);
  const port = await starting;
  if (stopping) return;
  logger.info(
    `Tokendesk listening on :${port} (${tokendesk.slack.mode === 'socket' ? 'Socket Mode' : 'HTTP mode, Slack request URL /slack/events'})`,
  );
};

main().catch((error: unknown) => {
  const reason = redact(error instanceof Error ? error.message : String(error)).split('\n')[0];
  process.stderr.write(`tokendesk: failed to start: ${reason}\n`);
  // A refused bot token is a setting to fix, like a missing one (exit 2); anything else is 1.
  process.exit(error instanceof BotTokenRejectedError ? 2 : 1);
});
