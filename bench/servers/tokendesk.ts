/**
 * A full Tokendesk instance for the benchmark, in its own process: the database named by
 * BENCH_DATABASE_URL (migrated), real argon2id with the OWASP defaults, the Slack fake as
 * Web API. Seeds one admin with a Slack identity and one token, then prints what the
 * runner needs as one JSON line.
 */
import { createTokendesk } from '../../src/app.ts';
import { parseConfig } from '../../src/config.ts';
import { openDatabase } from '../../src/db/client.ts';
import { migrateDatabase } from '../../src/db/migrate.ts';
import { OPERATOR, userActor } from '../../src/shared/actor.ts';
import { createLogger } from '../../src/shared/logger.ts';
import { FAKE_TEAM_ID, startSlackFake } from '../../test/support/slack-fake.ts';

const fake = await startSlackFake();
const config = parseConfig({
  env: {
    DATABASE_URL: process.env.BENCH_DATABASE_URL ?? 'pglite:memory',
    SLACK_BOT_TOKEN: fake.botToken,
    SLACK_SIGNING_SECRET: process.env.BENCH_SIGNING_SECRET ?? '',
    SLACK_API_URL: fake.url,
    REMINDER_INTERVAL_SECONDS: '0',
    LOG_LEVEL: 'error',
    INTROSPECTION_SECRET: 'bench-introspection-secret',
  },
});
const handle = await openDatabase(config.databaseUrl);
await migrateDatabase(handle);
const logger = createLogger({ level: 'error' });
const tokendesk = await createTokendesk({ config, handle, logger });
const { user } = await tokendesk.services.users.addUser(OPERATOR, { email: 'bench-admin@example.com' });
await tokendesk.services.users.grantAdmin(OPERATOR, user.id);
fake.addUser({ id: 'U0BENCH001', teamId: FAKE_TEAM_ID, email: 'bench-admin@example.com', name: 'bench' });
const { token } = await tokendesk.services.tokens.generate(userActor(user.id, 'bench'), { ownerId: user.id });
const port = await tokendesk.start(0);
process.stdout.write(`${JSON.stringify({ port, token, slackUserId: 'U0BENCH001', teamId: FAKE_TEAM_ID })}\n`);
process.on('SIGTERM', async () => {
  await tokendesk.stop();
  await handle.close();
  await fake.close();
  process.exit(0);
});
