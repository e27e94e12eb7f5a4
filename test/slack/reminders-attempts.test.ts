/**
 * Failures that look passing but never pass (a missing scope, a revoked bot token, a
 * wrong admin channel) must not be retried forever: after REMINDER_MAX_ATTEMPTS the
 * admins are told, or, when they cannot be reached either, the reminder is set aside.
 */
import { afterEach, describe, expect, test } from 'vitest';
import { DEFAULT_MAX_ATTEMPTS } from '../../src/reminders/reminder-sweep.ts';
import { ManualClock } from '../../src/shared/clock.ts';
import {
  auditActions,
  DAY,
  deliveryRows,
  dmsAt,
  newToken,
  offSlackUser,
  postsIn,
  slackPerson,
  startReminderHarness,
  textOf,
} from '../reminders/reminder-support.ts';
import type { Harness } from '../support/app-harness.ts';
import { testConfig } from '../support/services.ts';
import { engineName } from '../support/test-database.ts';

const START = '2026-03-02T09:00:00Z';
const ADMIN_CHANNEL = 'C0ADMINS01';

describe(`the attempt cap on ${engineName()}`, () => {
  let h: Harness;
  let clock: ManualClock;

  const start = async (env: Record<string, string>) => {
    clock = new ManualClock(START);
    h = await startReminderHarness({ clock, env: { REMINDER_MAX_ATTEMPTS: '3', ...env } });
  };
  /** Sweeps once per backoff step (30 s, 1 min, …) and then a day later, when nothing is left to try. */
  const sweepThroughBackoff = async (steps: number) => {
    const summaries = [];
    let at = 0;
    for (let i = 0; i < steps; i++) {
      clock.set(new Date(new Date(START).getTime() + at));
      summaries.push(await h.app.runReminderSweep());
      at += 30_000 * 2 ** i + 1000;
    }
    clock.set(new Date(new Date(START).getTime() + DAY));
    summaries.push(await h.app.runReminderSweep());
    return summaries;
  };
  afterEach(async () => h?.close());

  test('defaults to twelve attempts', () => {
    expect(testConfig().reminderMaxAttempts).toBe(12);
    expect(DEFAULT_MAX_ATTEMPTS).toBe(12);
  });

  test('a scope the app lacks (missing_scope) fails every time: after three attempts the admins are told and it stops', async () => {
    await start({ ADMIN_CHANNEL_ID: ADMIN_CHANNEL });
    const owner = await slackPerson(h, { slackUserId: 'U0OWNER001', email: 'owner@example.com' });
    const { summary } = await newToken(h, owner.id, { name: 'CI deploy', days: 7 });
    h.fake.revokeScopes('im:write');
    const summaries = await sweepThroughBackoff(4);
    expect(summaries.map((s) => [s.retried, s.escalated])).toEqual([
      [1, 0],
      [1, 0],
      [0, 1],
      [0, 0],
      [0, 0],
    ]);
    expect(h.fake.callsTo('conversations.open').map((c) => c.error)).toEqual([
      'missing_scope',
      'missing_scope',
      'missing_scope',
    ]);
    const [post] = postsIn(h.fake, ADMIN_CHANNEL);
    expect(textOf(post!)).toContain(summary.id);
    expect(textOf(post!)).toContain('gave up after 3 attempts (last error: missing_scope)');
    expect(postsIn(h.fake, ADMIN_CHANNEL)).toHaveLength(1);
    expect(await deliveryRows(h.handle, summary.id)).toMatchObject([
      { status: 'escalated', attempts: 3, last_error: 'gave_up: missing_scope' },
    ]);
    expect(await auditActions(h.handle, 'reminder.escalated')).toMatchObject([
      { token_id: summary.id, details: { reason: 'gave_up', attempts: 3, lastError: 'missing_scope' } },
    ]);
    expect(h.logs.some((l) => l.includes('giving up on the owner'))).toBe(true);
  });

  test('an owner off Slack and an admin channel that does not exist (channel_not_found): set aside after three attempts, logged', async () => {
    await start({ ADMIN_CHANNEL_ID: ADMIN_CHANNEL });
    const owner = await offSlackUser(h, 'offline@example.com');
    const { summary } = await newToken(h, owner.id, { days: 7 });
    h.fake.failAlways('chat.postMessage', { error: 'channel_not_found' });
    const summaries = await sweepThroughBackoff(4);
    expect(summaries.map((s) => [s.retried, s.skipped])).toEqual([
      [1, 0],
      [1, 0],
      [0, 1],
      [0, 0],
      [0, 0],
    ]);
    expect(h.fake.callsTo('chat.postMessage')).toHaveLength(3);
    expect(await deliveryRows(h.handle, summary.id)).toMatchObject([
      {
        status: 'skipped',
        attempts: 3,
        last_error: 'undeliverable: gave up after 3 attempts: channel_not_found',
      },
    ]);
    expect(h.logs.some((l) => l.includes('could not reach the owner nor any admin'))).toBe(true);
  });

  test('a revoked bot token (invalid_auth everywhere) stops after the cap instead of retrying forever', async () => {
    await start({});
    await slackPerson(h, { slackUserId: 'U0ADMIN001', email: 'ada@example.com' }, 'admin');
    const owner = await slackPerson(h, { slackUserId: 'U0OWNER001', email: 'owner@example.com' });
    const { summary } = await newToken(h, owner.id, { days: 7 });
    h.fake.failAlways('conversations.open', { error: 'invalid_auth' });
    await sweepThroughBackoff(4);
    // Three owner DMs, and with the third the admin's DM: all refused alike.
    expect(h.fake.callsTo('conversations.open').map((c) => c.args.users)).toEqual([
      'U0OWNER001',
      'U0OWNER001',
      'U0OWNER001',
      'U0ADMIN001',
    ]);
    expect(dmsAt(h.fake)).toHaveLength(0);
    expect(await deliveryRows(h.handle, summary.id)).toMatchObject([
      { status: 'skipped', attempts: 3, last_error: 'undeliverable: gave up after 3 attempts: invalid_auth' },
    ]);
  });
});
