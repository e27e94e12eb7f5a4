/**
 * Slack accepted a reminder DM but Tokendesk never learnt it (the answer came too late, or
 * the database write after it failed): the next attempt must find the DM in Slack, by its
 * message metadata, instead of sending it again.
 */
import { sql } from 'drizzle-orm';
import { afterEach, describe, expect, test } from 'vitest';
import type { DatabaseHandle } from '../../src/db/client.ts';
import { ManualClock } from '../../src/shared/clock.ts';
import { createLogger } from '../../src/shared/logger.ts';
import {
  type BackgroundDeliveries,
  createBackgroundDeliveries,
} from '../../src/slack/reminders/background.ts';
import { HISTORY_MARGIN_MS } from '../../src/slack/reminders/dm-history.ts';
import { createReminderClient } from '../../src/slack/reminders/reminder-client.ts';
import { REMINDER_EVENT_TYPE } from '../../src/slack/views/reminder-dm.ts';
import {
  auditActions,
  DAY,
  deliveryRows,
  dmsAt,
  leasesLapsed,
  newToken,
  slackPerson,
  startReminderHarness,
} from '../reminders/reminder-support.ts';
import type { Harness } from '../support/app-harness.ts';
import { testConfig } from '../support/services.ts';
import { engineName, rowsOf } from '../support/test-database.ts';

const START = '2026-03-02T09:00:00Z';
const TIMEOUT_MS = 300;

/** Makes the database refuse to record an outcome for `tokenId`, `times` times, like a real failure would. */
const failCompletions = async (handle: DatabaseHandle, tokenId: string, times: number) => {
  if (!/^[A-Za-z0-9_-]+$/.test(tokenId)) throw new Error('unexpected token id');
  await handle.db.execute(sql.raw('create sequence test_completion_failures'));
  // A sequence is not rolled back with the failed statement, so it counts the refusals.
  await handle.db.execute(
    sql.raw(`create function test_fail_completion() returns trigger language plpgsql as $$
      begin
        if old.status = 'pending' and new.status <> 'pending' and new.token_id = '${tokenId}'
           and nextval('test_completion_failures') <= ${times} then
          raise exception 'injected: the database refused the completion write';
        end if;
        return new;
      end $$`),
  );
  await handle.db.execute(
    sql.raw(`create trigger test_fail_completion before update on reminder_deliveries
      for each row execute function test_fail_completion()`),
  );
};

const stopFailingCompletions = async (handle: DatabaseHandle) => {
  await handle.db.execute(sql.raw('drop trigger if exists test_fail_completion on reminder_deliveries'));
  await handle.db.execute(sql.raw('drop function if exists test_fail_completion()'));
  await handle.db.execute(sql.raw('drop sequence if exists test_completion_failures'));
};

const attemptStarted = async (handle: DatabaseHandle, tokenId: string) =>
  rowsOf<{ started: Date | string | null }>(
    await handle.db.execute(
      sql`select attempt_started_at as started from reminder_deliveries where token_id = ${tokenId}`,
    ),
  )[0]?.started;

describe(`reminders whose delivery is in doubt on ${engineName()}`, () => {
  let h: Harness;
  let clock: ManualClock;
  const at = (offsetMs: number) => clock.set(new Date(new Date(START).getTime() + offsetMs));

  const start = async (env: Record<string, string> = {}) => {
    clock = new ManualClock(START);
    h = await startReminderHarness({ clock, env });
  };

  /** The instance's deliveries again, through a client that gives up on Slack after 300 ms. */
  const impatient = (): BackgroundDeliveries => {
    const logger = createLogger({ level: 'debug', sink: (line) => h.logs.push(line) });
    const config = testConfig({
      SLACK_BOT_TOKEN: h.fake.botToken,
      SLACK_API_URL: h.fake.url,
      REMINDER_INTERVAL_SECONDS: '0',
    });
    const client = createReminderClient({
      botToken: h.fake.botToken,
      apiUrl: h.fake.url,
      logger,
      timeoutMs: TIMEOUT_MS,
    });
    return createBackgroundDeliveries({ services: h.services, config, logger, client });
  };

  afterEach(async () => {
    if (h) await stopFailingCompletions(h.handle);
    await h?.close();
  });

  test('Slack accepted the DM but answered after the client gave up: the next attempt finds it and sends no second DM', async () => {
    await start();
    const owner = await slackPerson(h, { slackUserId: 'U0OWNER001', email: 'owner@example.com' });
    const { summary } = await newToken(h, owner.id, { days: 7 });
    const background = impatient();
    h.fake.failNext('chat.postMessage', { replyDelayMs: TIMEOUT_MS + 700 });
    const before = Date.now();
    expect(await background.runReminderSweep()).toMatchObject({ sent: 0, retried: 1 });
    // Slack has the message; Tokendesk only knows that it tried.
    expect(dmsAt(h.fake, summary.id)).toHaveLength(1);
    expect(dmsAt(h.fake, summary.id)[0]?.args.metadata).toEqual({
      event_type: REMINDER_EVENT_TYPE,
      event_payload: { token_id: summary.id, kind: 'days:7' },
    });
    expect(await deliveryRows(h.handle, summary.id)).toMatchObject([
      { status: 'pending', last_error: 'request_failed' },
    ]);
    expect(await attemptStarted(h.handle, summary.id)).not.toBeNull();

    at(31_000);
    expect(await background.runReminderSweep()).toMatchObject({ sent: 1, recovered: 1 });
    expect(dmsAt(h.fake, summary.id)).toHaveLength(1);
    const [lookup] = h.fake.callsTo('conversations.history');
    expect(lookup?.args).toMatchObject({
      channel: h.fake.dmChannelOf('U0OWNER001'),
      include_all_metadata: 'true',
    });
    // It looks from shortly before the attempt began, by Slack's timestamps.
    const oldest = Number(lookup?.args.oldest) * 1000;
    expect(oldest).toBeLessThanOrEqual(before - HISTORY_MARGIN_MS + 1000);
    expect(oldest).toBeGreaterThan(before - HISTORY_MARGIN_MS - 60_000);
    expect(await deliveryRows(h.handle, summary.id)).toMatchObject([{ status: 'sent' }]);
    expect(await auditActions(h.handle, 'reminder.sent')).toMatchObject([
      { token_id: summary.id, details: { kind: 'days:7', foundInSlack: true } },
    ]);
    at(DAY);
    await background.runReminderSweep();
    expect(dmsAt(h.fake, summary.id)).toHaveLength(1);
  });

  test('when Slack cannot show the history just now, it looks again later instead of guessing', async () => {
    await start();
    const owner = await slackPerson(h, { slackUserId: 'U0OWNER001', email: 'owner@example.com' });
    const { summary } = await newToken(h, owner.id, { days: 7 });
    const background = impatient();
    h.fake.failNext('chat.postMessage', { replyDelayMs: TIMEOUT_MS + 700 });
    await background.runReminderSweep();
    h.fake.failNext('conversations.history', { status: 503 });
    at(31_000);
    expect(await background.runReminderSweep()).toMatchObject({ sent: 0, retried: 1 });
    expect(dmsAt(h.fake, summary.id)).toHaveLength(1);
    expect(await attemptStarted(h.handle, summary.id)).not.toBeNull();
    at(31_000 + 61_000);
    expect(await background.runReminderSweep()).toMatchObject({ sent: 1, recovered: 1 });
    expect(dmsAt(h.fake, summary.id)).toHaveLength(1);
  });

  test('without im:history the reminder in doubt is sent again (at least once), with one warning', async () => {
    await start();
    const owner = await slackPerson(h, { slackUserId: 'U0OWNER001', email: 'owner@example.com' });
    const first = await newToken(h, owner.id, { name: 'first', days: 6 });
    const second = await newToken(h, owner.id, { name: 'second', days: 7 });
    const background = impatient();
    h.fake.failNext('chat.postMessage', { replyDelayMs: TIMEOUT_MS + 700 }, 2);
    expect(await background.runReminderSweep()).toMatchObject({ retried: 2 });
    h.fake.revokeScopes('im:history');
    at(31_000);
    expect(await background.runReminderSweep()).toMatchObject({ sent: 2, recovered: 0 });
    expect(h.fake.callsTo('conversations.history').map((c) => c.error)).toEqual([
      'missing_scope',
      'missing_scope',
    ]);
    expect(dmsAt(h.fake, first.summary.id)).toHaveLength(2);
    expect(dmsAt(h.fake, second.summary.id)).toHaveLength(2);
    expect(h.logs.filter((l) => l.includes('grant the im:history scope'))).toHaveLength(1);
  });

  test('without im:history a reminder arrives at most twice: a blind resend that also goes unanswered is the last', async () => {
    await start();
    const owner = await slackPerson(h, { slackUserId: 'U0OWNER001', email: 'owner@example.com' });
    const { summary } = await newToken(h, owner.id, { days: 7 });
    const background = impatient();
    h.fake.revokeScopes('im:history');
    h.fake.failNext('chat.postMessage', { replyDelayMs: TIMEOUT_MS + 700 }, 2);
    expect(await background.runReminderSweep()).toMatchObject({ retried: 1 });
    at(31_000);
    expect(await background.runReminderSweep()).toMatchObject({ retried: 1 });
    expect(dmsAt(h.fake, summary.id)).toHaveLength(2);
    at(31_000 + 61_000);
    expect(await background.runReminderSweep()).toMatchObject({ claimed: 1, sent: 1 });
    expect(dmsAt(h.fake, summary.id)).toHaveLength(2);
    expect(h.logs.some((l) => l.includes('not sending a third time'))).toBe(true);
    expect(await deliveryRows(h.handle, summary.id)).toMatchObject([
      { status: 'sent', last_error: 'unconfirmed: missing_scope' },
    ]);
  });

  test('a blind resend that Slack refused outright (429) did not land: the next one may still go', async () => {
    await start();
    const owner = await slackPerson(h, { slackUserId: 'U0OWNER001', email: 'owner@example.com' });
    const { summary } = await newToken(h, owner.id, { days: 7 });
    const background = impatient();
    h.fake.revokeScopes('im:history');
    h.fake.failNext('chat.postMessage', { replyDelayMs: TIMEOUT_MS + 700 });
    await background.runReminderSweep();
    h.fake.failNext('chat.postMessage', { status: 429, retryAfter: 1 });
    at(31_000);
    expect(await background.runReminderSweep()).toMatchObject({ retried: 1 });
    // Still in doubt about the first DM, which nobody could check.
    expect(await attemptStarted(h.handle, summary.id)).not.toBeNull();
    at(31_000 + 61_000);
    expect(await background.runReminderSweep()).toMatchObject({ sent: 1 });
    expect(dmsAt(h.fake, summary.id)).toHaveLength(2);
    expect(await deliveryRows(h.handle, summary.id)).toMatchObject([{ status: 'sent', last_error: null }]);
  });

  test('the database refuses the write after Slack took the DM: it is written again in-process and sent once', async () => {
    await start();
    const owner = await slackPerson(h, { slackUserId: 'U0OWNER001', email: 'owner@example.com' });
    const { summary } = await newToken(h, owner.id, { days: 7 });
    await failCompletions(h.handle, summary.id, 1);
    expect(await h.app.runReminderSweep()).toMatchObject({ sent: 1 });
    expect(h.logs.some((l) => l.includes('recording a reminder outcome failed; trying again'))).toBe(true);
    expect(await deliveryRows(h.handle, summary.id)).toMatchObject([{ status: 'sent' }]);
    expect(dmsAt(h.fake, summary.id)).toHaveLength(1);
    expect(await auditActions(h.handle, 'reminder.sent')).toHaveLength(1);
  });

  test('the write keeps failing mid-batch: the rest of the batch goes back at once, and the DM that went out is not sent again', async () => {
    // A short lease: the in-process retries stop within it, and the test waits it out.
    await start({ REMINDER_LEASE_SECONDS: '1' });
    const owner = await slackPerson(h, { slackUserId: 'U0OWNER001', email: 'owner@example.com' });
    // Earliest due first: the failing row heads the batch.
    const failing = await newToken(h, owner.id, { name: 'failing', days: 5 });
    const rest = [
      await newToken(h, owner.id, { name: 'second', days: 6 }),
      await newToken(h, owner.id, { name: 'third', days: 7 }),
    ];
    await failCompletions(h.handle, failing.summary.id, 1000);
    const failure = await h.app.runReminderSweep().then(
      () => undefined,
      (error: unknown) => error as Error & { cause?: Error },
    );
    expect(failure?.cause?.message ?? failure?.message).toContain('refused the completion write');
    expect(dmsAt(h.fake, failing.summary.id)).toHaveLength(1);
    const rows = await deliveryRows(h.handle);
    // Handed back untried: not leased, the aborted claim not counted as an attempt.
    for (const token of rest) {
      expect(rows.find((r) => r.token_id === token.summary.id)).toMatchObject({
        status: 'pending',
        attempts: 0,
      });
      expect(dmsAt(h.fake, token.summary.id)).toHaveLength(0);
    }
    await stopFailingCompletions(h.handle);
    // The handed-back rows go out now; the one in doubt waits for its lease.
    expect(await h.app.runReminderSweep()).toMatchObject({ claimed: 2, sent: 2 });
    await leasesLapsed(h.handle);
    expect(await h.app.runReminderSweep()).toMatchObject({ claimed: 1, sent: 1, recovered: 1 });
    for (const token of [failing, ...rest]) expect(dmsAt(h.fake, token.summary.id)).toHaveLength(1);
    expect((await deliveryRows(h.handle)).map((r) => r.status)).toEqual(['sent', 'sent', 'sent']);
  });
});
