import { describe, expect, test } from 'vitest';
import { ACTION } from '../../../src/slack/ids.ts';
import {
  AUDIT_PER_PAGE,
  type AuditRow,
  actorText,
  auditListMessage,
} from '../../../src/slack/views/audit-list.ts';
import { decodeCursor, MAX_AUDIT_HISTORY, MAX_CURSOR_LENGTH } from '../../../src/slack/views/paging.ts';
import { validateBlockKit } from '../../support/slack-fake.ts';

const row = (id: number, over: Partial<AuditRow> = {}): AuditRow => ({
  id,
  at: new Date('2026-06-01T12:00:00Z'),
  actorLabel: 'slack:T0FAKE0001/U0ADMIN001',
  action: 'token.revoked',
  subject: { email: 'olive@example.com', displayName: 'Olive Owner' },
  tokenId: 'AbCdEfGhIjKl',
  details: { reason: 'manual', name: 'CI deploys' },
  ...over,
});

type Json = Record<string, unknown>;
const buttons = (m: { blocks: unknown[] }) =>
  (m.blocks as Json[]).flatMap((b) => (b.elements as Json[] | undefined) ?? []);

describe('the audit list', () => {
  test('shows time, action, actor, subject, token id and reason', () => {
    const message = auditListMessage({ rows: [row(5)], cursor: { k: 'audit', h: [] }, hasOlder: false });
    expect(validateBlockKit('message', message)).toEqual([]);
    const text = JSON.stringify(message.blocks);
    expect(text).toContain('<!date^1780315200^');
    expect(text).toContain('*token.revoked*  ·  by <@U0ADMIN001>');
    expect(text).toContain('Subject: Olive Owner (olive@example.com)');
    expect(text).toContain('Token: `AbCdEfGhIjKl`');
    expect(text).toContain('Reason: manual');
    expect(text).toContain('Token name: CI deploys');
  });

  test('only whitelisted details are shown, so a stray secret in an event never reaches Slack', () => {
    const leaky = row(5, {
      details: { reason: 'manual', token: 'tdk_Secret', secretHash: '$argon2id$v=19$x' },
    });
    const text = JSON.stringify(
      auditListMessage({ rows: [leaky], cursor: { k: 'audit', h: [] }, hasOlder: false }),
    );
    expect(text).not.toContain('tdk_');
    expect(text).not.toContain('argon2');
  });

  test('non-Slack actors are shown by their escaped label', () => {
    expect(actorText('operator:cli')).toBe('operator:cli');
    expect(actorText('<script>')).toBe('&lt;script&gt;');
  });

  test('the newest page offers Older only; an older page offers Newer back to where it came from', () => {
    const rows = Array.from({ length: AUDIT_PER_PAGE }, (_, i) => row(100 - i));
    const first = auditListMessage({ rows, cursor: { k: 'audit', h: [] }, hasOlder: true });
    expect(buttons(first).map((b) => b.action_id)).toEqual([ACTION.page]);
    const older = decodeCursor(String(buttons(first)[0]!.value));
    expect(older).toEqual({ k: 'audit', b: 81, h: [0] });

    const second = auditListMessage({
      rows: rows.map((r) => ({ ...r, id: r.id - 20 })),
      cursor: older as { k: 'audit'; b: number; h: number[] },
      hasOlder: false,
    });
    expect(buttons(second).map((b) => b.action_id)).toEqual([ACTION.pagePrevious]);
    expect(decodeCursor(String(buttons(second)[0]!.value))).toEqual({ k: 'audit', h: [] });
  });

  test('a very deep page keeps its cursor small by forgetting the oldest history', () => {
    const h = Array.from({ length: MAX_AUDIT_HISTORY }, (_, i) => 9_000_000_000 - i * 20);
    const message = auditListMessage({
      rows: [row(100)],
      cursor: { k: 'audit', b: 8_000_000_000, h, s: '00000000-0000-4000-8000-000000000001' },
      hasOlder: true,
    });
    expect(validateBlockKit('message', message)).toEqual([]);
    for (const b of buttons(message)) {
      expect(String(b.value).length).toBeLessThanOrEqual(MAX_CURSOR_LENGTH);
      const c = decodeCursor(String(b.value));
      expect(c?.k).toBe('audit');
    }
  });

  test('an empty log says so', () => {
    const message = auditListMessage({ rows: [], cursor: { k: 'audit', h: [] }, hasOlder: false });
    expect(JSON.stringify(message.blocks)).toContain('No events.');
  });
});
