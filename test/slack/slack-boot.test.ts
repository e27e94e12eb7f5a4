/**
 * Start-up against a Slack that is down or refuses the bot token. Bolt's own token mode
 * ran auth.test in its constructor and cached the result forever; these tests hold the
 * instance to "an outage at boot heals by itself, a wrong token stops start-up".
 */
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { startHarness } from '../support/app-harness.ts';
import { type SlackFake, startSlackFake } from '../support/slack-fake.ts';
import { ADMIN, settle } from './generate-support.ts';

const FAST_WARM_UP = { warmUp: { attempts: 2, delayMs: 10, maxDelayMs: 10 } };

describe('Slack at start-up', () => {
  let fake: SlackFake;
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  beforeEach(async () => {
    unhandled.length = 0;
    process.on('unhandledRejection', onUnhandled);
    fake = await startSlackFake();
  });
  afterEach(async () => {
    process.off('unhandledRejection', onUnhandled);
    await fake.close();
  });

  test('unreachable at boot, then back: the same instance serves signed requests, with no unhandled rejection', async () => {
    fake.failAlways('auth.test', { reset: true });
    const h = await startHarness({ fake, slack: FAST_WARM_UP });
    try {
      expect(fake.callsTo('auth.test').map((c) => c.error)).toEqual(['connection_reset', 'connection_reset']);
      expect(h.logs.some((l) => l.includes('did not answer auth.test') && l.includes('"warn"'))).toBe(true);
      expect((await fetch(`${h.baseUrl}/healthz`)).status).toBe(200);
      await h.person({ id: ADMIN, email: 'admin@example.com' }, 'admin');

      fake.clearFaults();
      const first = await h.command('help', { userId: ADMIN });
      expect(first.res.status).toBe(200);
      const reply = await h.waitFor(() =>
        fake.callsTo('response_url').find((c) => c.url === first.responseUrl),
      );
      expect(String(reply.args.text)).toContain('/apitoken generate');

      // Once known, the bot's identity is kept: the next request asks Slack nothing about it.
      const asked = fake.callsTo('auth.test').length;
      const second = await h.command('help', { userId: ADMIN });
      await h.waitFor(() => fake.callsTo('response_url').find((c) => c.url === second.responseUrl));
      expect(fake.callsTo('auth.test')).toHaveLength(asked);
      await settle(100);
      expect(unhandled).toEqual([]);
    } finally {
      await h.close();
    }
  });

  test('a request that arrives while Slack is still down is not served, and the next one is once Slack is back', async () => {
    fake.failAlways('auth.test', { status: 503 });
    const h = await startHarness({ fake, slack: FAST_WARM_UP });
    try {
      await h.person({ id: ADMIN, email: 'admin@example.com' }, 'admin');
      const during = await h.command('help', { userId: ADMIN });
      expect(during.res.status).toBe(200);
      await settle(200);
      expect(fake.callsTo('response_url')).toEqual([]);

      fake.clearFaults();
      const after = await h.command('help', { userId: ADMIN });
      await h.waitFor(() => fake.callsTo('response_url').find((c) => c.url === after.responseUrl));
      expect(unhandled).toEqual([]);
    } finally {
      await h.close();
    }
  });

  test('a bot token Slack refuses stops start-up with one line naming SLACK_BOT_TOKEN, not the token', async () => {
    const wrong = 'xoxb-not-the-installed-token';
    const started = startHarness({ fake, env: { SLACK_BOT_TOKEN: wrong }, slack: FAST_WARM_UP });
    const error = await started.then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error?.message).toMatch(/^Slack refused SLACK_BOT_TOKEN \(invalid_auth\)/);
    expect(error?.message).not.toContain(wrong);
    expect(error?.message).not.toContain('\n');
    // Refused outright: no retry can fix a wrong token.
    expect(fake.callsTo('auth.test')).toHaveLength(1);
    expect(unhandled).toEqual([]);
  });
});
