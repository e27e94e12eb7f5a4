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
  leasesLapsed,
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

  test("a sweep that lost its lease cannot clear the new holder's: its late outcome is discarded and logged", async () => {
    // A's lease is one second, so that it runs out while A waits on Slack.
    await instances({ envA: { REMINDER_LEASE_SECONDS: '1' } });
    const owner = await slackPerson(a, { slackUserId: 'U0OWNER001', email: 'owner@example.com' });
    const { summary } = await newToken(a, owner.id, { days: 7 });
    const heldA = fake.holdNext('conversations.open', { status: 503 });
    const runningA = a.app.runReminderSweep();
    await heldA.arrived;
    await leasesLapsed(a.handle);
    // B takes the row over and is mid-delivery…
    const heldB = fake.holdNext('conversations.open');
    const runningB = b.app.runReminderSweep();
    await heldB.arrived;
    // …when A's Slack call finally fails. A's "retry later" must not touch B's lease.
    heldA.release();
    expect(await runningA).toMatchObject({ claimed: 1, retried: 0, lost: 1 });
    expect(a.logs.some((l) => l.includes('lease lost') && l.includes(summary.id))).toBe(true);
    // Had A cleared B's lease and set its backoff, this sweep would take the row and DM too.
    a.clock.advance(31_000);
    expect(await a.app.runReminderSweep()).toMatchObject({ claimed: 0 });
    heldB.release();
    expect(await runningB).toMatchObject({ claimed: 1, sent: 1 });
    expect(dmsAt(fake, summary.id)).toHaveLength(1);
    expect(await deliveryRows(a.handle, summary.id)).toMatchObject([{ status: 'sent', attempts: 2 }]);
  });
});
