/**
 * A real Tokendesk instance for end-to-end tests: the Bolt HTTP receiver on a real port,
 * the shared test database, real argon2id (cheap parameters), the Slack fake as Web API,
 * and every log line captured at debug level. Requests are signed like Slack's.
 */
import { createTokendesk, type Tokendesk } from '../../src/app.ts';
import type { DatabaseHandle } from '../../src/db/client.ts';
import { OPERATOR } from '../../src/shared/actor.ts';
import { ManualClock } from '../../src/shared/clock.ts';
import { createLogger } from '../../src/shared/logger.ts';
import type { SlackAppOptions } from '../../src/slack/app.ts';
import { testConfig } from './services.ts';
import { FAKE_TEAM_ID, type FakeUser, type SlackFake, startSlackFake } from './slack-fake.ts';
import {
  type BlockActionsInput,
  blockActionsBody,
  type EventInput,
  eventBody,
  postSigned,
  type SignedResponse,
  slashCommandBody,
  type ViewSubmissionInput,
  viewSubmissionBody,
} from './slack-requests.ts';
import { getTestDatabase } from './test-database.ts';

export const SIGNING_SECRET = 'test-signing-secret-0123456789abcdef';
export const CHANNEL_ID = 'C0GENERAL1';

export interface HarnessOptions {
  env?: Record<string, string>;
  clock?: ManualClock;
  /** Reuse an existing fake (two instances talking to one Slack). */
  fake?: SlackFake;
  handle?: DatabaseHandle;
  /** Slack start-up options (auth.test retries). */
  slack?: SlackAppOptions;
}

export interface Harness {
  fake: SlackFake;
  handle: DatabaseHandle;
  app: Tokendesk;
  services: Tokendesk['services'];
  clock: ManualClock;
  logs: string[];
  baseUrl: string;
  /** Sends `/apitoken <text>` as this Slack user; returns the HTTP answer and the ids it used. */
  command(
    text: string,
    as: { userId: string; teamId?: string; channelId?: string; enterpriseId?: string },
  ): Promise<{ res: SignedResponse; triggerId: string; responseUrl: string }>;
  action(
    input: Omit<BlockActionsInput, 'triggerId' | 'teamId'> & { teamId?: string; triggerId?: string },
  ): Promise<SignedResponse>;
  submit(input: Omit<ViewSubmissionInput, 'teamId'> & { teamId?: string }): Promise<SignedResponse>;
  event(input: Omit<EventInput, 'teamId'> & { teamId?: string }): Promise<SignedResponse>;
  post(
    body: string,
    opts?: { timestamp?: number; signature?: string; contentType?: string },
  ): Promise<SignedResponse>;
  /** Adds a person to the fake Slack directory and, when asked, makes them a Tokendesk admin. */
  person(user: Partial<FakeUser> & { id: string; email: string }, role?: 'admin' | 'member'): Promise<void>;
  /** Polls until `check` returns a truthy value (Slack work happens after the ack). */
  waitFor<T>(
    check: () => T | undefined | false | Promise<T | undefined | false>,
    timeoutMs?: number,
  ): Promise<T>;
  close(): Promise<void>;
}

export const startHarness = async (options: HarnessOptions = {}): Promise<Harness> => {
  const fake = options.fake ?? (await startSlackFake());
  const handle = options.handle ?? (await getTestDatabase());
  const clock = options.clock ?? new ManualClock(new Date());
  const logs: string[] = [];
  const config = testConfig({
    SLACK_BOT_TOKEN: fake.botToken,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: fake.url,
    LOG_LEVEL: 'debug',
    REMINDER_INTERVAL_SECONDS: '0',
    ...options.env,
  });
  const logger = createLogger({
    level: 'debug',
    sink: (line) => logs.push(line),
    secrets: [SIGNING_SECRET, fake.botToken],
  });
  const app = await createTokendesk({
    config,
    handle,
    logger,
    clock,
    ...(options.slack ? { slack: options.slack } : {}),
  });
  const port = await app.start(0);
  const baseUrl = `http://127.0.0.1:${port}`;
  const eventsUrl = `${baseUrl}/slack/events`;
  const post: Harness['post'] = (body, opts = {}) =>
    postSigned(eventsUrl, body, { secret: SIGNING_SECRET, ...opts });

  const harness: Harness = {
    fake,
    handle,
    app,
    services: app.services,
    clock,
    logs,
    baseUrl,
    command: async (text, as) => {
      const triggerId = fake.issueTriggerId();
      const responseUrl = fake.responseUrl();
      const body = slashCommandBody({
        text,
        userId: as.userId,
        teamId: as.teamId ?? FAKE_TEAM_ID,
        channelId: as.channelId ?? CHANNEL_ID,
        triggerId,
        responseUrl,
        ...(as.enterpriseId ? { enterpriseId: as.enterpriseId } : {}),
      });
      return { res: await post(body), triggerId, responseUrl };
    },
    action: (input) =>
      post(
        blockActionsBody({
          teamId: FAKE_TEAM_ID,
          triggerId: fake.issueTriggerId(),
          ...input,
        } as BlockActionsInput),
      ),
    submit: (input) => post(viewSubmissionBody({ teamId: FAKE_TEAM_ID, ...input } as ViewSubmissionInput)),
    event: (input) => post(eventBody({ teamId: FAKE_TEAM_ID, ...input } as EventInput)),
    post,
    person: async (user, role = 'member') => {
      fake.addUser({ teamId: FAKE_TEAM_ID, name: user.email.split('@')[0], ...user });
      if (role === 'admin') {
        const { user: created } = await app.services.users.addUser(OPERATOR, { email: user.email });
        await app.services.users.grantAdmin(OPERATOR, created.id);
      }
    },
    waitFor: async (check, timeoutMs = 5000) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const value = await check();
        if (value) return value as never;
        if (Date.now() > deadline) throw new Error('waitFor: condition not met in time');
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    close: async () => {
      await app.stop();
      if (!options.fake) await fake.close();
    },
  };
  return harness;
};
