import { describe, expect, test } from 'vitest';
import type { FeedEvent } from '../../src/audit/audit-feed.repository.ts';
import type { Reminder } from '../../src/reminders/reminders.models.ts';
import { ACTION } from '../../src/slack/ids.ts';
import { auditFeedMessage, FEED_EVENTS_PER_MESSAGE } from '../../src/slack/views/audit-feed.ts';
import { offboardingNotice } from '../../src/slack/views/offboarding-notice.ts';
import { isReminderMessage, reminderDm } from '../../src/slack/views/reminder-dm.ts';
import { reminderEscalation } from '../../src/slack/views/reminder-escalation.ts';
import { cliCreateCommand } from '../../src/slack/views/reminder-format.ts';
import {
  renewalAlreadyRequested,
  renewalRequested,
  renewalRequestForAdmins,
} from '../../src/slack/views/renewal-request.ts';
import { formatToken } from '../../src/tokens/token-format.ts';
import type { TokenSummary } from '../../src/tokens/tokens.models.ts';
import { validateBlockKit } from '../support/slack-fake.ts';

const LONG_NAME = `<!channel> *${'x'.repeat(50)}* & co`;
const reminder = (over: Partial<Reminder> = {}): Reminder => ({
  kind: 'days:7',
  token: {
    id: 'AbCdEf123456',
    name: LONG_NAME,
    createdAt: new Date('2026-01-01T00:00:00Z'),
    expiresAt: new Date('2026-04-01T00:00:00Z'),
  },
  owner: { id: '3f1c2a9e-0000-4000-8000-000000000001', email: 'owner@example.com', name: 'Owen <Er>' },
  daysLeft: 7,
  ...over,
});
const summary: TokenSummary = {
  ...reminder().token,
  owner: reminder().owner,
  lastUsedAt: null,
  lastUsedIp: null,
  revokedAt: null,
  revokeReason: null,
  status: 'active',
};
const json = (value: unknown) => JSON.stringify(value);

describe('reminder and notice views', () => {
  test('the reminder DM is valid Block Kit, escapes the name and never lets it ping a channel', () => {
    const message = reminderDm(reminder());
    expect(validateBlockKit('message', message)).toEqual([]);
    expect(json(message.blocks)).not.toContain('<!channel>');
    expect(json(message.blocks)).toContain('&lt;!channel&gt;');
    expect(message.text).toContain('expires in 7 days');
  });

  test('the expired notice says so and still offers a new token', () => {
    const message = reminderDm(reminder({ kind: 'expired', daysLeft: 0 }));
    expect(message.text).toContain('has expired');
    expect(json(message.blocks)).toContain(ACTION.requestRenewal);
    expect(json(message.blocks)).toContain('now refused');
  });

  test('the escalation explains known Slack errors and does not echo unknown ones raw', () => {
    const known = reminderEscalation(reminder(), { kind: 'slack_error', error: 'account_inactive' });
    expect(json(known.blocks)).toContain('deactivated');
    const odd = reminderEscalation(reminder(), { kind: 'slack_error', error: 'weird<b>error' });
    expect(json(odd.blocks)).toContain('weirdberror');
    expect(validateBlockKit('message', odd)).toEqual([]);
  });

  test('the escalation for an owner off Slack gives the exact CLI command; a Slack owner gets none', () => {
    const off = reminderEscalation(reminder(), { kind: 'no_slack_identity' });
    expect(validateBlockKit('message', off)).toEqual([]);
    expect(json(off.blocks)).toContain('`tokendesk tokens create --user owner@example.com`');
    const gone = reminderEscalation(reminder(), { kind: 'slack_error', error: 'account_inactive' });
    expect(json(gone.blocks)).not.toContain('tokens create');
    const gaveUp = reminderEscalation(reminder(), { kind: 'gave_up', attempts: 12, error: 'invalid_auth' });
    expect(json(gaveUp.blocks)).toContain('gave up after 12 attempts (last error: invalid_auth)');
  });

  test('the CLI command quotes an e-mail the shell would split, and escapes it for mrkdwn', () => {
    expect(cliCreateCommand('a.b+c@example.com')).toBe('`tokendesk tokens create --user a.b+c@example.com`');
    expect(cliCreateCommand("o'neil <x>@example.com")).toBe(
      "`tokendesk tokens create --user 'o'\\''neil &lt;x&gt;@example.com'`",
    );
    expect(cliCreateCommand('tick`@example.com')).toBe(
      "```tokendesk tokens create --user 'tick`@example.com'```",
    );
  });

  test('reminder DMs carry metadata naming the token and kind, and only a match is recognised', () => {
    const message = reminderDm(reminder());
    expect(message.metadata).toEqual({
      event_type: 'tokendesk_reminder',
      event_payload: { token_id: 'AbCdEf123456', kind: 'days:7' },
    });
    expect(isReminderMessage(message.metadata, reminder())).toBe(true);
    expect(isReminderMessage(message.metadata, reminder({ kind: 'days:1' }))).toBe(false);
    expect(
      isReminderMessage({ event_type: 'other', event_payload: message.metadata.event_payload }, reminder()),
    ).toBe(false);
    expect(isReminderMessage(undefined, reminder())).toBe(false);
  });

  test('renewal messages are valid and carry the Generate button for the owner', () => {
    const forAdmins = renewalRequestForAdmins(summary, { slackUserId: 'U0OWNER001' });
    expect(validateBlockKit('message', forAdmins)).toEqual([]);
    expect(json(forAdmins.blocks)).toContain(`"action_id":"${ACTION.openGenerate}"`);
    expect(json(forAdmins.blocks)).toContain(`"value":"${summary.owner.id}"`);
    for (const m of [renewalRequested(summary, true), renewalRequested(summary, false)]) {
      expect(validateBlockKit('message', m)).toEqual([]);
    }
    expect(validateBlockKit('message', renewalAlreadyRequested(summary, new Date()))).toEqual([]);
  });

  test('an offboarding notice with hundreds of tokens stays within Slack limits and counts the rest', () => {
    const tokens = Array.from({ length: 400 }, (_, i) => ({
      id: `Tok${String(i).padStart(9, '0')}`,
      name: LONG_NAME,
    }));
    const message = offboardingNotice({
      user: { id: 'u1', email: 'leaver@example.com', name: null },
      revoked: tokens,
      source: 'slack',
      slackUserId: 'U0LEAVER01',
      noAdminLeft: true,
    });
    expect(validateBlockKit('message', message)).toEqual([]);
    expect(json(message.blocks)).toMatch(/…and \d+ more/);
    expect(json(message.blocks)).toContain('Tok000000000');
  });

  test('the audit feed message fits Slack with a full batch of huge events, and redacts anything secret-shaped', () => {
    const secret = formatToken('AbCdEf123456', (n) => new Uint8Array(n).fill(7));
    const events: FeedEvent[] = Array.from({ length: FEED_EVENTS_PER_MESSAGE }, (_, i) => ({
      id: i + 1,
      at: new Date('2026-01-01T00:00:00Z'),
      action: 'token.revoked',
      actorLabel: `slack:T0/U0 ${secret}`,
      actorEmail: 'ada@example.com',
      subjectEmail: 'owner@example.com',
      tokenId: 'AbCdEf123456',
      details: { reason: `pasted ${secret} and xoxb-fake-123-456`, blob: 'y'.repeat(5000), list: [1, 2, 3] },
    }));
    const message = auditFeedMessage(events);
    expect(validateBlockKit('message', message)).toEqual([]);
    expect(json(message)).not.toContain(secret);
    expect(json(message)).not.toContain('xoxb-fake-123');
    expect(json(message)).toContain('[REDACTED]');
    expect(json(message)).toContain('`#40`');
  });
});
