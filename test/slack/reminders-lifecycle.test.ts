import { sql } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { OPERATOR } from '../../src/shared/actor.ts';
import { ManualClock } from '../../src/shared/clock.ts';
import { ACTION } from '../../src/slack/ids.ts';
import { REMINDER_CLIENT_TIMEOUT_MS } from '../../src/slack/reminders/reminder-client.ts';
import {
  auditActions,
  buttonsOf,
  DAY,
  deliveryRows,
  dmsAt,
  leasesLapsed,
  liveLeases,
  MINUTE,
  newToken,
  offSlackUser,
  postsIn,
  slackPerson,
  startReminderHarness,
  textOf,
} from '../reminders/reminder-support.ts';
import type { Harness } from '../support/app-harness.ts';
import { engineName } from '../support/test-database.ts';

const START = '2026-03-02T09:00:00Z';
const ADMIN_CHANNEL = 'C0ADMINS01';

describe(`expiry reminders end to end on ${engineName()}`, () => {
  let h: Harness;
  let clock: ManualClock;
  const at = (offsetMs: number) => clock.set(new Date(new Date(START).getTime() + offsetMs));

  const start = async (env: Record<string, string> = {}) => {
    clock = new ManualClock(START);
    h = await startReminderHarness({ clock, env });
  };
  afterEach(async () => h?.close());

  describe('with an owner on Slack', () => {
    let ownerId: string;
    beforeEach(async () => {
      await start();
      ownerId = (await slackPerson(h, { slackUserId: 'U0OWNER001', email: 'owner@example.com' })).id;
    });

    test('a token gets its 30-, 7- and 1-day reminders and an expired notice, each once, then silence', async () => {
      const { summary } = await newToken(h, ownerId, { name: 'CI deploy', days: 40 });
      const counts: number[] = [];
      const sweepAt = async (offsetMs: number) => {
        at(offsetMs);
        await h.app.runReminderSweep();
        await h.app.runReminderSweep();
        counts.push(dmsAt(h.fake, summary.id).length);
      };
      await sweepAt(0);
      await sweepAt(9 * DAY);
      await sweepAt(10 * DAY + MINUTE);
      await sweepAt(20 * DAY);
      await sweepAt(33 * DAY + MINUTE);
      await sweepAt(39 * DAY + MINUTE);
      await sweepAt(40 * DAY + MINUTE);
      await sweepAt(41 * DAY);
      await sweepAt(60 * DAY);
      await sweepAt(400 * DAY);
      expect(counts).toEqual([0, 0, 1, 1, 2, 3, 4, 4, 4, 4]);

      const texts = dmsAt(h.fake, summary.id).map((c) => String(c.args.text));
      expect(texts[0]).toContain('expires in 30 days');
      expect(texts[1]).toContain('expires in 7 days');
      expect(texts[2]).toContain('expires within a day');
      expect(texts[3]).toContain('has expired');
      // Every DM went to the owner's DM channel, opened through conversations.open.
      expect(h.fake.callsTo('conversations.open').every((c) => c.args.users === 'U0OWNER001')).toBe(true);
      expect(new Set(dmsAt(h.fake).map((c) => c.args.channel))).toEqual(
        new Set([h.fake.dmChannelOf('U0OWNER001')]),
      );
      expect((await auditActions(h.handle, 'reminder.sent')).map((e) => e.details.kind)).toEqual([
        'days:30',
        'days:7',
        'days:1',
        'expired',
      ]);
    });

    test('the DM names the token, shows Created and Expiry as Slack dates, says what next, and offers a renewal button', async () => {
      const { summary } = await newToken(h, ownerId, { name: 'Billing & export', days: 7 });
      await h.app.runReminderSweep();
      const [dm] = dmsAt(h.fake, summary.id);
      const blocks = JSON.stringify(dm?.args.blocks);
      expect(blocks).toContain(`\`${summary.id}\``);
      expect(blocks).toContain('Billing &amp; export');
      const unix = (d: Date) => Math.floor(d.getTime() / 1000);
      expect(blocks).toContain(
        `*Created*\\n<!date^${unix(summary.createdAt)}^{date_short_pretty}|Mar 2, 2026>`,
      );
      expect(blocks).toContain(
        `*Expiry*\\n<!date^${unix(summary.expiresAt)}^{date_short_pretty}|Mar 9, 2026>`,
      );
      expect(blocks).toContain('will be refused');
      const button = buttonsOf(dm).find((e) => e.action_id === ACTION.requestRenewal);
      expect(button?.value).toBe(summary.id);
    });

    test('a token created inside the 30- and 7-day windows gets only the 7-day reminder, then the rest as usual', async () => {
      const { summary } = await newToken(h, ownerId, { days: 5 });
      await h.app.runReminderSweep();
      expect(dmsAt(h.fake, summary.id).map((c) => String(c.args.text))).toEqual([
        expect.stringContaining('expires in 5 days'),
      ]);
      at(4 * DAY + MINUTE);
      await h.app.runReminderSweep();
      at(5 * DAY + MINUTE);
      await h.app.runReminderSweep();
      at(30 * DAY);
      await h.app.runReminderSweep();
      expect(dmsAt(h.fake, summary.id)).toHaveLength(3);
      expect((await deliveryRows(h.handle, summary.id)).map((r) => [r.kind, r.status])).toEqual([
        ['days:1', 'sent'],
        ['days:7', 'sent'],
        ['expired', 'sent'],
      ]);
    });

    test('a 7-day reminder still retrying when the 1-day window opens is superseded: only the 1-day DM goes out', async () => {
      const { summary } = await newToken(h, ownerId, { days: 7 });
      h.fake.failNext('conversations.open', { status: 503 });
      expect(await h.app.runReminderSweep()).toMatchObject({ retried: 1, sent: 0 });
      // Slack stays down past the opening of the 1-day window; the 7-day row is due again by then.
      at(6 * DAY + MINUTE);
      expect(await h.app.runReminderSweep()).toMatchObject({ claimed: 2, sent: 1, skipped: 1 });
      expect(dmsAt(h.fake, summary.id).map((c) => String(c.args.text))).toEqual([
        expect.stringContaining('expires within a day'),
      ]);
      expect(await deliveryRows(h.handle, summary.id)).toMatchObject([
        { kind: 'days:1', status: 'sent' },
        { kind: 'days:7', status: 'skipped', last_error: 'superseded' },
      ]);
      expect((await auditActions(h.handle, 'reminder.sent')).map((e) => e.details.kind)).toEqual(['days:1']);
    });

    test('REMINDER_DAYS=14,3: reminders 14 and 3 days before expiry and the expired notice, none at 30, 7 or 1', async () => {
      await h.close();
      h = await startReminderHarness({ clock, env: { REMINDER_DAYS: '14,3' } });
      const owner = await slackPerson(h, { slackUserId: 'U0OWNER001', email: 'owner@example.com' });
      const { summary } = await newToken(h, owner.id, { days: 20 });
      const counts: number[] = [];
      for (const offset of [
        0,
        6 * DAY - MINUTE,
        6 * DAY + MINUTE,
        13 * DAY + MINUTE,
        16 * DAY,
        17 * DAY + MINUTE,
        19 * DAY + MINUTE,
        20 * DAY + MINUTE,
        30 * DAY,
      ]) {
        at(offset);
        await h.app.runReminderSweep();
        counts.push(dmsAt(h.fake, summary.id).length);
      }
      expect(counts).toEqual([0, 0, 1, 1, 1, 2, 2, 3, 3]);
      const texts = dmsAt(h.fake, summary.id).map((c) => String(c.args.text));
      expect(texts[0]).toContain('expires in 14 days');
      expect(texts[1]).toContain('expires in 3 days');
      expect(texts[2]).toContain('has expired');
      expect((await deliveryRows(h.handle, summary.id)).map((r) => [r.kind, r.status])).toEqual([
        ['days:14', 'sent'],
        ['days:3', 'sent'],
        ['expired', 'sent'],
      ]);
    });

    test('a revoked token gets nothing, even when it was revoked after its reminder was scheduled', async () => {
      const early = await newToken(h, ownerId, { name: 'early', days: 20 });
      const late = await newToken(h, ownerId, { name: 'late', days: 6 });
      await h.services.tokens.revoke(OPERATOR, early.summary.id);
      // Schedule without delivering, as a sweep that stopped after its first statement would.
      await h.services.repos.reminders.schedule(h.handle.db, clock.now(), [30, 7, 1]);
      expect((await deliveryRows(h.handle)).map((r) => r.token_id)).toEqual([late.summary.id]);
      await h.services.tokens.revoke(OPERATOR, late.summary.id);
      await h.app.runReminderSweep();
      at(30 * DAY);
      await h.app.runReminderSweep();
      expect(dmsAt(h.fake)).toHaveLength(0);
      expect(await deliveryRows(h.handle)).toMatchObject([{ token_id: late.summary.id, status: 'skipped' }]);
    });

    test('Slack answering 429 delays the DM by Retry-After without the client sleeping on it, and it is sent once', async () => {
      const { summary } = await newToken(h, ownerId, { days: 7 });
      h.fake.failNext('chat.postMessage', { status: 429, retryAfter: 90 });
      const started = performance.now();
      const first = await h.app.runReminderSweep();
      expect(performance.now() - started).toBeLessThan(REMINDER_CLIENT_TIMEOUT_MS);
      expect(first).toMatchObject({ sent: 0, retried: 1 });
      expect(await deliveryRows(h.handle, summary.id)).toMatchObject([
        { status: 'pending', last_error: 'ratelimited' },
      ]);
      at(60_000);
      await h.app.runReminderSweep();
      expect(h.fake.callsTo('chat.postMessage')).toHaveLength(1);
      at(91_000);
      await h.app.runReminderSweep();
      at(200_000);
      await h.app.runReminderSweep();
      expect(dmsAt(h.fake, summary.id)).toHaveLength(1);
      expect(await deliveryRows(h.handle, summary.id)).toMatchObject([{ status: 'sent', attempts: 2 }]);
    });

    test('a 500 from Slack is retried after backoff on a later sweep, and the DM is sent once', async () => {
      const { summary } = await newToken(h, ownerId, { days: 7 });
      h.fake.failNext('chat.postMessage', { status: 500 });
      expect(await h.app.runReminderSweep()).toMatchObject({ retried: 1, sent: 0 });
      await h.app.runReminderSweep();
      at(29_000);
      await h.app.runReminderSweep();
      expect(h.fake.callsTo('chat.postMessage')).toHaveLength(1);
      at(31_000);
      expect(await h.app.runReminderSweep()).toMatchObject({ sent: 1 });
      await h.app.runReminderSweep();
      expect(dmsAt(h.fake, summary.id)).toHaveLength(1);
    });

    test('repeated failures back off exponentially and the reminder is never dropped', async () => {
      const { summary } = await newToken(h, ownerId, { days: 7 });
      h.fake.failNext('conversations.open', { status: 503 }, 4);
      const gaps = [30_000, 60_000, 120_000, 240_000];
      let now = 0;
      for (const gap of gaps) {
        await h.app.runReminderSweep();
        now += gap - 1000;
        at(now);
        expect((await h.app.runReminderSweep()).claimed).toBe(0);
        now += 1000;
        at(now);
      }
      await h.app.runReminderSweep();
      expect(dmsAt(h.fake, summary.id)).toHaveLength(1);
      expect(h.fake.callsTo('conversations.open')).toHaveLength(5);
    });

    test('a sweep that dies between claiming and sending holds its lease; a later sweep delivers once it runs out', async () => {
      const { summary } = await newToken(h, ownerId, { days: 7 });
      const db = h.handle.db;
      await h.services.repos.reminders.schedule(db, clock.now(), [30, 7, 1]);
      const claimed = await h.services.repos.reminders.claim(db, {
        now: clock.now(),
        leaseMs: 3000,
        limit: 10,
      });
      expect(claimed).toHaveLength(1);
      // …and the process that claimed it is gone: nothing is sent, nothing is released.
      await h.app.runReminderSweep();
      // Leases are timed by the database: moving this instance's clock on changes nothing.
      at(DAY);
      expect(await liveLeases(h.handle)).toBe(1);
      await h.app.runReminderSweep();
      expect(dmsAt(h.fake)).toHaveLength(0);
      await leasesLapsed(h.handle);
      await h.app.runReminderSweep();
      await h.app.runReminderSweep();
      expect(dmsAt(h.fake, summary.id)).toHaveLength(1);
    });

    test('with REMINDER_INTERVAL_SECONDS set the instance sweeps on its own timer', async () => {
      await h.close();
      // A new harness starts from empty tables.
      h = await startReminderHarness({ clock, env: { REMINDER_INTERVAL_SECONDS: '1' } });
      const owner = await slackPerson(h, { slackUserId: 'U0OWNER001', email: 'owner@example.com' });
      const { summary } = await newToken(h, owner.id, { days: 7 });
      await h.waitFor(() => dmsAt(h.fake, summary.id).length === 1, 10_000);
    });

    test('a row whose lease another sweep took over while this one waited on Slack is left to that sweep', async () => {
      const first = await newToken(h, ownerId, { name: 'first', days: 6 });
      const second = await newToken(h, ownerId, { name: 'second', days: 7 });
      h.fake.failNext('conversations.open', { delayMs: 300 });
      const running = h.app.runReminderSweep();
      await h.waitFor(() => h.fake.callsTo('conversations.open').length === 1);
      // Meanwhile the batch's lease ran out and another instance claimed the second row.
      await h.handle.db.execute(
        sql`update reminder_deliveries set claimed_until = now() + interval '1 hour', claim_id = gen_random_uuid() where token_id = ${second.summary.id}`,
      );
      expect(await running).toMatchObject({ claimed: 2, sent: 1, overtaken: 1 });
      expect(dmsAt(h.fake, first.summary.id)).toHaveLength(1);
      expect(dmsAt(h.fake, second.summary.id)).toHaveLength(0);
      // That instance dies too; once its lease is over, the row is delivered once.
      await h.handle.db.execute(
        sql`update reminder_deliveries set claimed_until = now() - interval '1 second' where token_id = ${second.summary.id}`,
      );
      await h.app.runReminderSweep();
      expect(dmsAt(h.fake, second.summary.id)).toHaveLength(1);
    });

    test('stopping the app lets the delivery in flight finish and hands the rest back unclaimed', async () => {
      for (let i = 0; i < 3; i++) await newToken(h, ownerId, { name: `t${i}`, days: 7 });
      h.fake.failAlways('chat.postMessage', { delayMs: 300 });
      let stop = false;
      const running = h.app.runReminderSweep({ shouldStop: () => stop });
      await h.waitFor(() => h.fake.callsTo('chat.postMessage').length === 1);
      stop = true;
      expect(await running).toMatchObject({ claimed: 3, sent: 1, released: 2 });
      const rows = await deliveryRows(h.handle);
      expect(rows.map((r) => r.status).sort()).toEqual(['pending', 'pending', 'sent']);
      h.fake.clearFaults();
      // Released rows are due at once and their aborted claim is not counted as an attempt.
      expect(await h.app.runReminderSweep()).toMatchObject({ sent: 2 });
      expect((await deliveryRows(h.handle)).every((r) => r.attempts === 1)).toBe(true);
    });
  });

  describe('escalation to the admins', () => {
    test('an owner with no Slack account: the admin channel is told, with a Generate button for them', async () => {
      await start({ ADMIN_CHANNEL_ID: ADMIN_CHANNEL });
      const owner = await offSlackUser(h, 'offline@example.com');
      const { summary } = await newToken(h, owner.id, { name: 'warehouse', days: 7 });
      expect(await h.app.runReminderSweep()).toMatchObject({ escalated: 1, sent: 0 });
      const [post] = postsIn(h.fake, ADMIN_CHANNEL);
      expect(textOf(post!)).toContain('offline@example.com');
      expect(textOf(post!)).toContain(summary.id);
      expect(textOf(post!)).toContain('no Slack account linked');
      expect(JSON.stringify(post?.args.blocks)).toContain(
        JSON.stringify({ type: 'button', action_id: ACTION.openGenerate }).slice(1, -1),
      );
      expect(JSON.stringify(post?.args.blocks)).toContain(`"value":"${owner.id}"`);
      expect(await auditActions(h.handle, 'reminder.escalated')).toMatchObject([
        { token_id: summary.id, details: { kind: 'days:7', reason: 'no_slack_identity' } },
      ]);
      expect(await deliveryRows(h.handle, summary.id)).toMatchObject([{ status: 'escalated' }]);
      await h.app.runReminderSweep();
      expect(postsIn(h.fake, ADMIN_CHANNEL)).toHaveLength(1);
    });

    test('clicking Generate on the escalation for an owner off Slack shows the admin the exact CLI command, not an empty form', async () => {
      await start({ ADMIN_CHANNEL_ID: ADMIN_CHANNEL });
      await slackPerson(h, { slackUserId: 'U0ADMIN001', email: 'ada@example.com' }, 'admin');
      const owner = await offSlackUser(h, 'offline@example.com');
      await newToken(h, owner.id, { name: 'warehouse', days: 7 });
      await h.app.runReminderSweep();
      const [post] = postsIn(h.fake, ADMIN_CHANNEL);
      const command = '`tokendesk tokens create --user offline@example.com`';
      expect(textOf(post!)).toContain(command);
      const generate = buttonsOf(post).find((e) => e.action_id === ACTION.openGenerate);
      const res = await h.action({
        userId: 'U0ADMIN001',
        actionId: ACTION.openGenerate,
        value: generate?.value ?? '',
        channelId: ADMIN_CHANNEL,
        message: { ts: String(post?.args.ts ?? '1767225600.000100'), text: 'escalation' },
      });
      expect(res.status).toBe(200);
      // The modal opened at once (its trigger lives 3 s) turns into the command: nothing to fill in.
      const update = await h.waitFor(() =>
        h.fake
          .callsTo('views.update')
          .find((c) => !c.error && JSON.stringify(c.args).includes('tokens create')),
      );
      const view = update.args.view as Record<string, unknown>;
      expect(view.submit).toBeUndefined();
      expect(JSON.stringify(view)).toContain(command.replace(/`/g, '`'));
      expect(JSON.stringify(view)).toContain('offline@example.com has no Slack account linked');
      expect(JSON.stringify(view)).not.toContain('users_select');
    });

    test('an owner Slack no longer knows (user_not_found) is escalated at once and not retried', async () => {
      await start({ ADMIN_CHANNEL_ID: ADMIN_CHANNEL });
      const owner = await slackPerson(h, { slackUserId: 'U0LEFT0001', email: 'left@example.com' });
      const { summary } = await newToken(h, owner.id, { days: 7 });
      h.fake.removeUser('U0LEFT0001');
      expect(await h.app.runReminderSweep()).toMatchObject({ escalated: 1, retried: 0 });
      expect(h.fake.callsTo('conversations.open').map((c) => c.error)).toEqual(['user_not_found']);
      const [post] = postsIn(h.fake, ADMIN_CHANNEL);
      expect(textOf(post!)).toContain('Slack does not know their account any more');
      expect(textOf(post!)).toContain(summary.id);
      expect(await deliveryRows(h.handle, summary.id)).toMatchObject([
        { status: 'escalated', attempts: 1, last_error: 'user_not_found' },
      ]);
      expect(await auditActions(h.handle, 'reminder.escalated')).toMatchObject([
        { token_id: summary.id, details: { reason: 'user_not_found' } },
      ]);
      at(2 * 60 * MINUTE);
      await h.app.runReminderSweep();
      expect(h.fake.callsTo('conversations.open')).toHaveLength(1);
      expect(postsIn(h.fake, ADMIN_CHANNEL)).toHaveLength(1);
    });

    test.each([
      { what: 'a bot account', person: { isBot: true }, error: 'cannot_dm_bot', words: 'is a bot' },
      {
        what: 'a deactivated account',
        person: { deleted: true },
        error: 'account_inactive',
        words: 'deactivated',
      },
    ])(
      'an owner whose Slack account is $what ($error): each admin gets a DM instead',
      async ({ person, error, words }) => {
        await start();
        await slackPerson(h, { slackUserId: 'U0ADMIN001', email: 'ada@example.com' }, 'admin');
        await slackPerson(h, { slackUserId: 'U0ADMIN002', email: 'bob@example.com' }, 'admin');
        const owner = await slackPerson(h, {
          slackUserId: 'U0GONE0001',
          email: 'gone@example.com',
          ...person,
        });
        const { summary } = await newToken(h, owner.id, { days: 1 });
        expect(await h.app.runReminderSweep()).toMatchObject({ escalated: 1 });
        expect(h.fake.callsTo('conversations.open').find((c) => c.args.users === 'U0GONE0001')?.error).toBe(
          error,
        );
        const dms = dmsAt(h.fake, summary.id);
        expect(dms.map((c) => c.args.channel).sort()).toEqual(
          [h.fake.dmChannelOf('U0ADMIN001'), h.fake.dmChannelOf('U0ADMIN002')].sort(),
        );
        expect(textOf(dms[0]!)).toContain(words);
        expect(await auditActions(h.handle, 'reminder.escalated')).toMatchObject([
          { details: { reason: error } },
        ]);
      },
    );

    test('when neither the owner nor any admin can be reached, the reminder is set aside and logged', async () => {
      await start();
      const owner = await offSlackUser(h, 'offline@example.com');
      await newToken(h, owner.id, { days: 7 });
      expect(await h.app.runReminderSweep()).toMatchObject({ skipped: 1, escalated: 0 });
      expect(h.logs.some((l) => l.includes('could not reach the owner nor any admin'))).toBe(true);
      expect(await deliveryRows(h.handle)).toMatchObject([
        { status: 'skipped', last_error: 'undeliverable: no_admin_on_slack' },
      ]);
    });
  });

  describe('Request a new token', () => {
    const clickRenewal = (tokenId: string, slackUserId: string) =>
      h.action({
        userId: slackUserId,
        actionId: ACTION.requestRenewal,
        value: tokenId,
        channelId: h.fake.dmChannelOf(slackUserId),
        message: { ts: '1767225600.000100', text: 'reminder' },
      });

    test('tells the admin channel with a Generate button for the owner, audits it, and answers the owner', async () => {
      await start({ ADMIN_CHANNEL_ID: ADMIN_CHANNEL });
      const owner = await slackPerson(h, { slackUserId: 'U0OWNER001', email: 'owner@example.com' });
      const { summary } = await newToken(h, owner.id, { name: 'CI deploy', days: 7 });
      await h.app.runReminderSweep();
      const [dm] = dmsAt(h.fake, summary.id);
      const value = buttonsOf(dm).find((e) => e.action_id === ACTION.requestRenewal)?.value;
      expect((await clickRenewal(value!, 'U0OWNER001')).status).toBe(200);

      const post = await h.waitFor(() => postsIn(h.fake, ADMIN_CHANNEL)[0]);
      expect(textOf(post)).toContain('<@U0OWNER001>');
      expect(textOf(post)).toContain(summary.id);
      const generate = buttonsOf(post).find((e) => e.action_id === ACTION.openGenerate);
      expect(generate?.value).toBe(owner.id);
      const answer = await h.waitFor(() =>
        dmsAt(h.fake).find((c) => textOf(c).includes('admins have been asked')),
      );
      expect(answer.args.channel).toBe(h.fake.dmChannelOf('U0OWNER001'));
      expect(await auditActions(h.handle, 'renewal.requested')).toMatchObject([{ token_id: summary.id }]);

      // A second click is answered without bothering the admins again.
      await clickRenewal(summary.id, 'U0OWNER001');
      await h.waitFor(() => dmsAt(h.fake).find((c) => textOf(c).includes('already asked')));
      expect(postsIn(h.fake, ADMIN_CHANNEL)).toHaveLength(1);
      expect(await auditActions(h.handle, 'renewal.requested')).toHaveLength(1);
    });

    test('without an admin channel, each admin on Slack gets the request by DM', async () => {
      await start();
      await slackPerson(h, { slackUserId: 'U0ADMIN001', email: 'ada@example.com' }, 'admin');
      await h.services.users.addUser(OPERATOR, { email: 'no-slack-admin@example.com' });
      const owner = await slackPerson(h, { slackUserId: 'U0OWNER001', email: 'owner@example.com' });
      const { summary } = await newToken(h, owner.id, { days: 3 });
      await clickRenewal(summary.id, 'U0OWNER001');
      const post = await h.waitFor(() =>
        dmsAt(h.fake).find((c) => c.args.channel === h.fake.dmChannelOf('U0ADMIN001')),
      );
      expect(JSON.stringify(post.args.blocks)).toContain(ACTION.openGenerate);
      expect(JSON.stringify(post.args.blocks)).toContain(owner.id);
    });

    test("someone else's token cannot be renewed: the clicker is told and the admins hear nothing", async () => {
      await start({ ADMIN_CHANNEL_ID: ADMIN_CHANNEL });
      const owner = await slackPerson(h, { slackUserId: 'U0OWNER001', email: 'owner@example.com' });
      await slackPerson(h, { slackUserId: 'U0OTHER001', email: 'other@example.com' });
      const { summary } = await newToken(h, owner.id, { days: 3 });
      await clickRenewal(summary.id, 'U0OTHER001');
      await h.waitFor(() => dmsAt(h.fake).find((c) => textOf(c).includes('No such token')));
      expect(postsIn(h.fake, ADMIN_CHANNEL)).toHaveLength(0);
      expect(await auditActions(h.handle, 'renewal.requested')).toHaveLength(0);
    });
  });
});
