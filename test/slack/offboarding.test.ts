import { sql } from 'drizzle-orm';
import { afterEach, describe, expect, test } from 'vitest';
import { OPERATOR } from '../../src/shared/actor.ts';
import { ManualClock } from '../../src/shared/clock.ts';
import { SLACK_USER_CHANGE_ACTOR } from '../../src/slack/listeners/events/user-change.ts';
import {
  auditActions,
  dmsAt,
  newToken,
  postsIn,
  slackPerson,
  startReminderHarness,
  textOf,
} from '../reminders/reminder-support.ts';
import type { Harness } from '../support/app-harness.ts';
import { FAKE_TEAM_ID } from '../support/slack-fake.ts';
import { engineName, rowsOf } from '../support/test-database.ts';

const ADMIN_CHANNEL = 'C0ADMINS01';

describe(`offboarding from Slack's user_change on ${engineName()}`, () => {
  let h: Harness;
  afterEach(async () => h?.close());

  const userChange = (slackUserId: string, deleted: boolean) =>
    h.event({
      event: {
        type: 'user_change',
        user: { id: slackUserId, team_id: FAKE_TEAM_ID, name: 'leaver', deleted, profile: {} },
        cache_ts: 1767225600,
      },
    });

  const setUp = async (env: Record<string, string>) => {
    h = await startReminderHarness({ clock: new ManualClock('2026-02-02T10:00:00Z'), env });
    await slackPerson(h, { slackUserId: 'U0ADMIN001', email: 'ada@example.com' }, 'admin');
    const leaver = await slackPerson(h, {
      slackUserId: 'U0LEAVER01',
      email: 'leaver@example.com',
      name: 'Lee Vers',
    });
    const first = await newToken(h, leaver.id, { name: 'CI deploy', days: 30 });
    const second = await newToken(h, leaver.id, { name: 'Data export', days: 90 });
    return { leaver, tokens: [first, second] };
  };

  test('a deactivated Slack user is deactivated here, every token is revoked, and the admins are told which', async () => {
    const { leaver, tokens } = await setUp({ ADMIN_CHANNEL_ID: ADMIN_CHANNEL });
    for (const { token } of tokens) expect((await h.services.tokens.verify(token)).ok).toBe(true);

    expect((await userChange('U0LEAVER01', true)).status).toBe(200);
    const notice = await h.waitFor(() => postsIn(h.fake, ADMIN_CHANNEL)[0]);

    for (const { token } of tokens) {
      expect(await h.services.tokens.verify(token)).toMatchObject({ ok: false, reason: 'revoked' });
    }
    expect((await h.services.users.getUser(leaver.id)).deactivatedAt).not.toBeNull();
    for (const { summary } of tokens) {
      expect(textOf(notice)).toContain(summary.id);
      expect(textOf(notice)).toContain(summary.name);
    }
    expect(textOf(notice)).toContain('leaver@example.com');
    for (const { token } of tokens) {
      expect(h.fake.allCallsText()).not.toContain(token);
      expect(h.fake.allCallsText()).not.toContain(token.slice(16, 38));
    }

    const deactivated = await auditActions(h.handle, 'user.deactivated');
    expect(deactivated).toMatchObject([{ details: { source: 'slack' } }]);
    const revoked = rowsOf<{ actor_label: string; token_id: string; details: { reason: string } }>(
      await h.handle.db.execute(
        sql`select actor_label, token_id, details from audit_events where action = 'token.revoked' order by token_id`,
      ),
    );
    expect(revoked).toHaveLength(2);
    expect(revoked.every((r) => r.actor_label === SLACK_USER_CHANGE_ACTOR.label)).toBe(true);
    expect(revoked.every((r) => r.details.reason === 'offboarding')).toBe(true);
  });

  test('Slack redelivering the event tells the admins only once', async () => {
    await setUp({ ADMIN_CHANNEL_ID: ADMIN_CHANNEL });
    await userChange('U0LEAVER01', true);
    await h.waitFor(() => postsIn(h.fake, ADMIN_CHANNEL)[0]);
    await userChange('U0LEAVER01', true);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(postsIn(h.fake, ADMIN_CHANNEL)).toHaveLength(1);
    expect(await auditActions(h.handle, 'user.deactivated')).toHaveLength(1);
  });

  test('a Slack failure while telling the admins is retried later, and the notice goes out once', async () => {
    const { tokens } = await setUp({ ADMIN_CHANNEL_ID: ADMIN_CHANNEL });
    h.fake.failNext('chat.postMessage', { status: 503 });
    await userChange('U0LEAVER01', true);
    await h.waitFor(() => h.logs.some((l) => l.includes('offboarding notice: delivery failed; will retry')));
    expect(postsIn(h.fake, ADMIN_CHANNEL)).toHaveLength(0);
    // Revoked at once all the same.
    expect(await h.services.tokens.verify(tokens[0]!.token)).toMatchObject({ ok: false, reason: 'revoked' });

    expect(await h.app.runOffboardingNotices()).toMatchObject({ delivered: 0 }); // backing off
    h.clock.advance(31_000);
    expect(await h.app.runOffboardingNotices()).toMatchObject({ delivered: 1 });
    await h.app.runOffboardingNotices();
    expect(postsIn(h.fake, ADMIN_CHANNEL)).toHaveLength(1);
    expect(textOf(postsIn(h.fake, ADMIN_CHANNEL)[0]!)).toContain(tokens[1]!.summary.id);
  });

  test('without an admin channel each admin is told by DM', async () => {
    const { tokens } = await setUp({});
    await userChange('U0LEAVER01', true);
    const dm = await h.waitFor(() =>
      dmsAt(h.fake).find((c) => c.args.channel === h.fake.dmChannelOf('U0ADMIN001')),
    );
    expect(textOf(dm)).toContain(tokens[0]!.summary.id);
  });

  test('profile changes of active people and of strangers change nothing', async () => {
    const { tokens } = await setUp({ ADMIN_CHANNEL_ID: ADMIN_CHANNEL });
    await userChange('U0LEAVER01', false);
    await userChange('U0STRANGER', true);
    await new Promise((resolve) => setTimeout(resolve, 200));
    for (const { token } of tokens) expect((await h.services.tokens.verify(token)).ok).toBe(true);
    expect(postsIn(h.fake, ADMIN_CHANNEL)).toHaveLength(0);
    expect(await auditActions(h.handle, 'user.deactivated')).toHaveLength(0);
  });

  test('the last admin deactivated in Slack has left too: tokens revoked, account deactivated, and everyone warned', async () => {
    h = await startReminderHarness({ env: { ADMIN_CHANNEL_ID: ADMIN_CHANNEL } });
    const admin = await slackPerson(h, { slackUserId: 'U0ADMIN001', email: 'ada@example.com' }, 'admin');
    const { token, summary } = await newToken(h, admin.id, { name: 'Admin laptop', days: 30 });
    await userChange('U0ADMIN001', true);
    const notice = await h.waitFor(() => postsIn(h.fake, ADMIN_CHANNEL)[0]);

    expect((await h.services.users.getUser(admin.id)).deactivatedAt).not.toBeNull();
    expect(await h.services.tokens.verify(token)).toMatchObject({ ok: false, reason: 'revoked' });
    expect(await h.services.users.listAdmins(OPERATOR)).toEqual([]);
    const warning = h.logs.find((l) => l.includes('last Tokendesk admin'));
    expect(warning).toMatch(/warn/i);
    expect(warning).toContain('ada@example.com');
    expect(warning).toContain('tokendesk admins grant');
    expect(warning).toContain('ADMIN_EMAILS');
    expect(textOf(notice)).toContain(summary.id);
    expect(textOf(notice)).toContain('No active Tokendesk admin remains');
    expect(textOf(notice)).toContain('tokendesk admins grant');
  });
});
