/**
 * Two instances on one database whose leases must not trample each other: their clocks
 * disagree, or one of them answers late. The Slack fake holds calls so that the
 * instances line up exactly, instead of hoping that timings overlap.
 */
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { ManualClock } from '../../src/shared/clock.ts';
import {
  deliveryRows,
  dmsAt,
  MINUTE,
  newToken,
  slackPerson,
  startReminderHarness,
} from '../reminders/reminder-support.ts';
import type { Harness } from '../support/app-harness.ts';
import { type SlackFake, startSlackFake } from '../support/slack-fake.ts';
import { engineName, getTestDatabase } from '../support/test-database.ts';

const START = '2026-03-02T09:00:00Z';

describe(`reminder leases between two instances on ${engineName()}`, () => {
  let fake: SlackFake;
  let a: Harness;
  let b: Harness;

  const instances = async (options: { bAheadMs?: number; envA?: Record<string, string> } = {}) => {
    const handle = await getTestDatabase();
    a = await startReminderHarness({ fake, handle, clock: new ManualClock(START), env: options.envA ?? {} });
    const bClock = new ManualClock(new Date(new Date(START).getTime() + (options.bAheadMs ?? 0)));
    b = await startReminderHarness({ fake, handle, clock: bClock });
  };

  beforeEach(async () => {
    fake = await startSlackFake();
  });
  afterEach(async () => {
    await a?.close();
    await b?.close();
    await fake.close();
  });

  test('an instance whose clock is far ahead does not take a row another instance is delivering', async () => {
    // B's clock is ten minutes ahead: far past A's two-minute lease, had A's clock timed it.
    await instances({ bAheadMs: 10 * MINUTE });
    const owner = await slackPerson(a, { slackUserId: 'U0OWNER001', email: 'owner@example.com' });
    const { summary } = await newToken(a, owner.id, { days: 7 });
    const held = fake.holdNext('conversations.open');
    const running = a.app.runReminderSweep();
    await held.arrived;
    // A holds the row and waits on Slack; B sweeps the same database meanwhile.
    expect(await b.app.runReminderSweep()).toMatchObject({ claimed: 0, sent: 0 });
    held.release();
    expect(await running).toMatchObject({ claimed: 1, sent: 1 });
    await b.app.runReminderSweep();
    expect(dmsAt(fake, summary.id)).toHaveLength(1);
    expect(await deliveryRows(a.handle, summary.id)).toMatchObject([{ status: 'sent', attempts: 1 }]);
  });
});
