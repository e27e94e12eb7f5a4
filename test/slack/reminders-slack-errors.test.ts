import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { createLogger } from '../../src/shared/logger.ts';
import { createAdminMessenger } from '../../src/slack/reminders/admin-messenger.ts';
import { createReminderClient } from '../../src/slack/reminders/reminder-client.ts';
import { dmFirstReachable, sendDm } from '../../src/slack/reminders/slack-dm.ts';
import { FAKE_TEAM_ID, type SlackFake, startSlackFake } from '../support/slack-fake.ts';

const message = {
  text: 'hello',
  blocks: [{ type: 'section' as const, text: { type: 'mrkdwn' as const, text: 'hi' } }],
};

describe('how Slack answers become delivery outcomes', () => {
  let fake: SlackFake;
  const client = () =>
    createReminderClient({
      botToken: fake.botToken,
      apiUrl: fake.url,
      logger: createLogger({ sink: () => {} }),
    });

  beforeAll(async () => {
    fake = await startSlackFake();
    fake.addUser({ id: 'U0PERSON01', teamId: FAKE_TEAM_ID, email: 'p@example.com' });
    fake.addUser({ id: 'U0BOT00002', teamId: FAKE_TEAM_ID, isBot: true });
    fake.addUser({ id: 'U0GONE0001', teamId: FAKE_TEAM_ID, deleted: true });
  });
  afterAll(() => fake.close());
  beforeEach(() => fake.reset());

  test.each([
    ['U0NOBODY01', 'user_not_found'],
    ['U0BOT00002', 'cannot_dm_bot'],
    ['U0GONE0001', 'account_inactive'],
  ])('a DM to %s fails for good with %s', async (user, error) => {
    expect(await sendDm(client(), user, message)).toEqual({ ok: false, permanent: true, error });
  });

  test('channel_not_found when posting is permanent too', async () => {
    fake.failNext('chat.postMessage', { error: 'channel_not_found' });
    expect(await sendDm(client(), 'U0PERSON01', message)).toMatchObject({ permanent: true });
  });

  test('5xx, 429 and unreachable Slack are transient; a 429 carries its Retry-After and costs one call', async () => {
    fake.failNext('conversations.open', { status: 502 });
    expect(await sendDm(client(), 'U0PERSON01', message)).toEqual({
      ok: false,
      permanent: false,
      error: 'http_502',
    });
    fake.failNext('chat.postMessage', { status: 429, retryAfter: 42 });
    expect(await sendDm(client(), 'U0PERSON01', message)).toMatchObject({
      permanent: false,
      error: 'ratelimited',
      retryAfterMs: 42_000,
    });
    expect(fake.callsTo('chat.postMessage')).toHaveLength(1);
    const nowhere = createReminderClient({
      botToken: 'xoxb-x',
      apiUrl: 'http://127.0.0.1:9/api/',
      logger: createLogger({ sink: () => {} }),
    });
    expect(await sendDm(nowhere, 'U0PERSON01', message)).toMatchObject({
      permanent: false,
      error: 'request_failed',
    });
  });

  test('a broken credential is retried (an operator can fix it), not escalated', async () => {
    fake.failNext('conversations.open', { error: 'invalid_auth' });
    expect(await sendDm(client(), 'U0PERSON01', message)).toMatchObject({
      permanent: false,
      error: 'invalid_auth',
    });
  });

  test("the owner's identities are tried in order until one takes the DM", async () => {
    const outcome = await dmFirstReachable(
      client(),
      [
        { teamId: FAKE_TEAM_ID, slackUserId: 'U0GONE0001' },
        { teamId: FAKE_TEAM_ID, slackUserId: 'U0PERSON01' },
      ],
      message,
    );
    expect(outcome).toEqual({ ok: true });
    expect(fake.callsTo('chat.postMessage').map((c) => c.args.channel)).toEqual([
      fake.dmChannelOf('U0PERSON01'),
    ]);
  });

  test('a DM whose answer never came may have landed: the next identity is not tried, and the outcome says so', async () => {
    fake.addUser({ id: 'U0PERSON02', teamId: FAKE_TEAM_ID, email: 'p@example.com' });
    fake.failNext('chat.postMessage', { replyDelayMs: 500 });
    const impatient = createReminderClient({
      botToken: fake.botToken,
      apiUrl: fake.url,
      logger: createLogger({ sink: () => {} }),
      timeoutMs: 100,
    });
    const outcome = await dmFirstReachable(
      impatient,
      [
        { teamId: FAKE_TEAM_ID, slackUserId: 'U0PERSON01' },
        { teamId: FAKE_TEAM_ID, slackUserId: 'U0PERSON02' },
      ],
      message,
    );
    expect(outcome).toMatchObject({
      ok: false,
      permanent: false,
      error: 'request_failed',
      maybeDelivered: true,
    });
    expect(fake.callsTo('chat.postMessage').map((c) => c.args.channel)).toEqual([
      fake.dmChannelOf('U0PERSON01'),
    ]);
    // A refusal or a rate limit means Slack did not post it.
    fake.failNext('chat.postMessage', { status: 429, retryAfter: 1 });
    expect(await sendDm(client(), 'U0PERSON01', message)).not.toHaveProperty('maybeDelivered');
    fake.failNext('chat.postMessage', { status: 503 });
    expect(await sendDm(client(), 'U0PERSON01', message)).toMatchObject({ maybeDelivered: true });
  });

  test('admins by DM: told when any admin got it, transient when some failed for a passing reason', async () => {
    const admins = (ids: string[]) =>
      createAdminMessenger({
        client: client(),
        adminChannelId: undefined,
        adminAddresses: async () => ids.map((slackUserId) => ({ teamId: FAKE_TEAM_ID, slackUserId })),
      });
    expect(await admins(['U0GONE0001', 'U0PERSON01']).tell(message)).toEqual({ ok: true });
    fake.failNext('conversations.open', { status: 500 });
    expect(await admins(['U0PERSON01', 'U0GONE0001']).tell(message)).toMatchObject({
      ok: false,
      permanent: false,
    });
    expect(await admins(['U0GONE0001']).tell(message)).toMatchObject({ ok: false, permanent: true });
    expect(await admins([]).tell(message)).toMatchObject({ permanent: true, error: 'no_admin_on_slack' });
  });

  test('a wrong admin channel is retried rather than given up on', async () => {
    fake.failNext('chat.postMessage', { error: 'not_in_channel' });
    const admins = createAdminMessenger({
      client: client(),
      adminChannelId: 'C0ADMINS01',
      adminAddresses: async () => [],
    });
    expect(await admins.tell(message)).toMatchObject({
      ok: false,
      permanent: false,
      error: 'not_in_channel',
    });
  });
});
