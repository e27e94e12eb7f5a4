import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import type { DatabaseHandle } from '../../src/db/client.ts';
import { ManualClock } from '../../src/shared/clock.ts';
import { linesOf, runInProcess } from '../support/cli.ts';
import { makeServices } from '../support/services.ts';
import { type SlackFake, startSlackFake } from '../support/slack-fake.ts';
import { engineName, getTestDatabase } from '../support/test-database.ts';
import { dmsAt, newToken, slackPerson } from './reminder-support.ts';

describe(`tokendesk reminders run on ${engineName()}`, () => {
  let fake: SlackFake;
  let handle: DatabaseHandle;
  const clock = new ManualClock('2026-06-01T12:00:00Z');
  const run = (env: Record<string, string>) =>
    runInProcess(handle, ['reminders', 'run'], { env, deps: { clock } });

  beforeAll(async () => {
    fake = await startSlackFake();
  });
  afterAll(() => fake.close());
  beforeEach(async () => {
    fake.reset();
    handle = await getTestDatabase();
  });

  test('sends what is due once and prints a one-line summary', async () => {
    const services = makeServices(handle, { clock });
    const owner = await slackPerson(
      { fake, services },
      { slackUserId: 'U0OWNER001', email: 'owner@example.com' },
    );
    const { summary } = await newToken({ services }, owner.id, { days: 7 });
    const env = { SLACK_BOT_TOKEN: fake.botToken, SLACK_API_URL: fake.url };

    const first = await run(env);
    expect(first.code).toBe(0);
    expect(linesOf(first.stdout)).toEqual([
      expect.stringMatching(/^reminders: 1 sent, 0 escalated, .* in \d+ ms$/),
    ]);
    expect(dmsAt(fake, summary.id)).toHaveLength(1);

    const second = await run(env);
    expect(linesOf(second.stdout)).toEqual([expect.stringMatching(/^reminders: 0 sent/)]);
    expect(dmsAt(fake, summary.id)).toHaveLength(1);
    expect(first.stderr + second.stderr).not.toContain(fake.botToken);
  });

  test('without a Slack bot token it refuses as a usage error', async () => {
    const result = await run({});
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('SLACK_BOT_TOKEN');
  });
});
