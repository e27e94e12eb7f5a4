import { describe, expect, test } from 'vitest';
import { ACTION } from '../../../src/slack/ids.ts';
import { slackDate, utcFallback } from '../../../src/slack/views/dates.ts';
import { escapeText } from '../../../src/slack/views/paging.ts';
import {
  noticeMessage,
  tokenDeliveryMessage,
  undeliveredMessage,
} from '../../../src/slack/views/token-delivery.ts';
import type { TokenSummary } from '../../../src/tokens/tokens.models.ts';
import { validateBlockKit } from '../../support/slack-fake.ts';

const TOKEN = `tdk_AbCdEfGhIjKl${'s'.repeat(22)}ZZZZZZ`;

const summary = (over: Partial<TokenSummary> = {}): TokenSummary => ({
  id: 'AbCdEfGhIjKl',
  name: 'CI deploys',
  owner: { id: 'u-1', email: 'olive@example.com', name: 'Olive Owner' },
  createdAt: new Date('2026-06-01T12:00:00Z'),
  expiresAt: new Date('2026-08-30T12:00:00Z'),
  lastUsedAt: null,
  lastUsedIp: null,
  revokedAt: null,
  revokeReason: null,
  status: 'active',
  ...over,
});

const count = (haystack: string, needle: string) => haystack.split(needle).length - 1;

describe('slackDate', () => {
  test('renders a Slack date tag with the reader-localized format and a UTC fallback', () => {
    const date = new Date('2026-08-30T12:34:56Z');
    expect(slackDate(date)).toBe('<!date^1788093296^{date_short_pretty} {time}|Aug 30, 2026 12:34 UTC>');
    expect(slackDate(date, 'date')).toBe('<!date^1788093296^{date_short_pretty}|Aug 30, 2026>');
    expect(slackDate(date, 'ago')).toBe('<!date^1788093296^{ago}|Aug 30, 2026 12:34 UTC>');
  });

  test('the fallback is in UTC whatever the server time zone', () => {
    expect(utcFallback(new Date('2026-12-31T23:30:00-05:00'))).toBe('Jan 1, 2027 04:30 UTC');
  });

  test('an invalid date reads as "unknown date" instead of a broken tag', () => {
    expect(slackDate(new Date(Number.NaN))).toBe('unknown date');
  });
});

describe('the token delivery message', () => {
  test('passes Slack Block Kit checks for a message', () => {
    expect(validateBlockKit('message', tokenDeliveryMessage(TOKEN, summary()))).toEqual([]);
  });

  test('holds the token once, in a code span in the blocks, never in the notification text', () => {
    const message = tokenDeliveryMessage(TOKEN, summary());
    expect(count(JSON.stringify(message.blocks), TOKEN)).toBe(1);
    expect(JSON.stringify(message.blocks)).toContain(`\`${TOKEN}\``);
    expect(message.text).not.toContain(TOKEN);
    expect(message.text).not.toContain('tdk_');
  });

  test('says whom it is for, its name, when it was created and when it expires', () => {
    const blocks = JSON.stringify(tokenDeliveryMessage(TOKEN, summary()).blocks);
    expect(blocks).toContain('Olive Owner (olive@example.com)');
    expect(blocks).toContain('CI deploys');
    expect(blocks).toContain(slackDate(new Date('2026-06-01T12:00:00Z')));
    expect(blocks).toContain(slackDate(new Date('2026-08-30T12:00:00Z')));
    expect(blocks).toContain('Shown only once — copy it now.');
  });

  test('has a Done button whose value is the token id, not the secret', () => {
    const message = tokenDeliveryMessage(TOKEN, summary());
    const actions = message.blocks.find((b) => b.type === 'actions') as unknown as {
      elements: Record<string, unknown>[];
    };
    expect(actions.elements).toHaveLength(1);
    expect(actions.elements[0]).toMatchObject({
      type: 'button',
      action_id: ACTION.dismissToken,
      value: 'AbCdEfGhIjKl',
    });
  });

  test('escapes mrkdwn control characters in names that come from people', () => {
    const message = tokenDeliveryMessage(
      TOKEN,
      summary({ name: 'R&D', owner: { id: 'u', email: 'x@example.com', name: '<!channel> Eve' } }),
    );
    const blocks = JSON.stringify(message.blocks);
    expect(blocks).not.toContain('<!channel>');
    expect(blocks).toContain('&lt;!channel&gt; Eve');
    expect(blocks).toContain('R&amp;D');
    expect(escapeText('a<b>&c')).toBe('a&lt;b&gt;&amp;c');
  });

  test('an owner without a display name is shown by e-mail', () => {
    const message = tokenDeliveryMessage(
      TOKEN,
      summary({ owner: { id: 'u', email: 'x@example.com', name: null } }),
    );
    expect(message.text).toContain('for x@example.com.');
  });

  test('the undelivered notice names the revoked token without any secret and passes Block Kit checks', () => {
    const message = undeliveredMessage(summary());
    expect(validateBlockKit('message', message)).toEqual([]);
    expect(JSON.stringify(message)).not.toContain('tdk_');
    expect(message.text).toContain('revoked it at once');
    expect(message.text).toContain('AbCdEfGhIjKl');
    expect(validateBlockKit('message', noticeMessage('hello'))).toEqual([]);
  });
});
