import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { ACTION, BLOCK } from '../../../src/slack/ids.ts';
import {
  type Cursor,
  decodeCursor,
  encodeCursor,
  MAX_CURSOR_LENGTH,
  parseTokenRowBlockId,
  tokenRowBlockId,
} from '../../../src/slack/views/paging.ts';
import {
  revokeCardMessage,
  TOKENS_PER_PAGE,
  type TokenPage,
  tokenListMessage,
  tokenListModal,
} from '../../../src/slack/views/token-list.ts';
import type { TokenSummary } from '../../../src/tokens/tokens.models.ts';
import { validateBlockKit } from '../../support/slack-fake.ts';

const OWNER = { id: '0b7c6c2e-8d0f-4f7e-9a43-2f6c1d7e9b10', email: 'olive@example.com', name: 'Olive Owner' };

const summary = (i: number, over: Partial<TokenSummary> = {}): TokenSummary => ({
  id: `Tok${String(i).padStart(9, '0')}`,
  name: `token ${i}`,
  owner: OWNER,
  createdAt: new Date('2026-06-01T12:00:00Z'),
  expiresAt: new Date('2026-08-30T12:00:00Z'),
  lastUsedAt: null,
  lastUsedIp: null,
  revokedAt: null,
  revokeReason: null,
  status: 'active',
  ...over,
});

const ownerWith = (total: number) => Array.from({ length: total }, (_, i) => summary(i));

const pageOf = (all: TokenSummary[], offset: number, isSelf = true): TokenPage => ({
  owner: OWNER,
  isSelf,
  items: all.slice(offset, offset + TOKENS_PER_PAGE),
  total: all.length,
  offset,
});

type Json = Record<string, unknown>;
const blocksOf = (m: { blocks: unknown[] }) => m.blocks as Json[];
const buttons = (m: { blocks: unknown[] }): Json[] =>
  blocksOf(m).flatMap((b) => [
    ...(b.accessory ? [b.accessory as Json] : []),
    ...((b.elements as Json[] | undefined) ?? []).filter((e) => e.type === 'button'),
  ]);

describe('a token list message', () => {
  test('shows name, public id, created, expiry, last used and status with Slack dates and UTC fallbacks', () => {
    const used = summary(1, { lastUsedAt: new Date('2026-06-10T08:00:00Z') });
    const text = JSON.stringify(tokenListMessage(pageOf([used, summary(2)], 0)).blocks);
    expect(text).toContain('*token 1*');
    expect(text).toContain('`Tok000000001`');
    expect(text).toContain('Created <!date^1780315200^{date_short_pretty} {time}|Jun 1, 2026 12:00 UTC>');
    expect(text).toContain('Expires <!date^1788091200^');
    expect(text).toContain('Last used <!date^1781078400^');
    expect(text).toContain('Last used never');
    expect(text).toContain('active');
  });

  test('shows the address the token was last used from, and stays within Block Kit limits', () => {
    const used = (i: number, ip: string) =>
      summary(i, { lastUsedAt: new Date('2026-06-10T08:00:00Z'), lastUsedIp: ip, name: 'n'.repeat(64) });
    const tokens = Array.from({ length: TOKENS_PER_PAGE }, (_, i) =>
      used(i, i === 0 ? '203.0.113.7' : `2001:db8:ffff:ffff:ffff:ffff:ffff:${String(i).padStart(4, '0')}`),
    );
    const message = tokenListMessage(pageOf(tokens, 0));
    expect(JSON.stringify(message.blocks)).toContain('Last used <!date^1781078400^');
    expect(JSON.stringify(message.blocks)).toContain('from `203.0.113.7`');
    expect(JSON.stringify(message.blocks)).toContain('from `2001:db8:ffff:ffff:ffff:ffff:ffff:0024`');
    expect(validateBlockKit('message', message)).toEqual([]);
    // Never used: no address, whatever the row holds.
    const never = JSON.stringify(tokenListMessage(pageOf([summary(1, { lastUsedIp: '203.0.113.7' })], 0)));
    expect(never).not.toContain('203.0.113.7');
  });

  test('expired and revoked tokens say so and carry no Revoke button', () => {
    const tokens = [
      summary(1),
      summary(2, { status: 'expired' }),
      summary(3, { status: 'revoked', revokedAt: new Date('2026-06-02T00:00:00Z'), revokeReason: 'manual' }),
    ];
    const message = tokenListMessage(pageOf(tokens, 0));
    const text = JSON.stringify(message.blocks);
    expect(text).toContain('Expired <!date^');
    expect(text).toContain('Revoked <!date^1780358400^');
    const revokes = buttons(message).filter((b) => b.action_id === ACTION.revokeToken);
    expect(revokes.map((b) => b.value)).toEqual(['Tok000000001']);
    expect(revokes[0]!.style).toBe('danger');
    expect(revokes[0]!.confirm).toBeDefined();
  });

  test('each row block id names its token and the page it is on', () => {
    const message = tokenListMessage(pageOf(ownerWith(60), 25));
    const rows = blocksOf(message).filter((b) => String(b.block_id ?? '').startsWith(`${BLOCK.tokenRow}|`));
    expect(rows).toHaveLength(25);
    const parsed = parseTokenRowBlockId(rows[0]!.block_id as string);
    expect(parsed).toEqual({ tokenId: 'Tok000000025', cursor: { k: 'tokens', o: OWNER.id, p: 25 } });
  });

  test('an owner with 300 tokens pages 25 at a time with Previous and Next, every page within message limits', () => {
    const all = ownerWith(300);
    const seen = new Set<string>();
    let offset: number | undefined = 0;
    let pages = 0;
    while (offset !== undefined) {
      const message = tokenListMessage(pageOf(all, offset));
      expect(validateBlockKit('message', message)).toEqual([]);
      expect(message.blocks.length).toBeLessThanOrEqual(50);
      for (const b of buttons(message).filter((x) => x.action_id === ACTION.revokeToken))
        seen.add(String(b.value));
      const paging = buttons(message).filter(
        (b) => b.action_id === ACTION.page || b.action_id === ACTION.pagePrevious,
      );
      for (const b of paging) expect(String(b.value).length).toBeLessThanOrEqual(MAX_CURSOR_LENGTH);
      const previous = paging.find((b) => b.action_id === ACTION.pagePrevious);
      if (offset === 0) expect(previous).toBeUndefined();
      else
        expect(decodeCursor(String(previous!.value))).toEqual({ k: 'tokens', o: OWNER.id, p: offset - 25 });
      const next = paging.find((b) => b.action_id === ACTION.page);
      const cursor = next ? decodeCursor(String(next.value)) : undefined;
      offset = cursor?.k === 'tokens' ? cursor.p : undefined;
      pages += 1;
    }
    expect(pages).toBe(12);
    expect(seen.size).toBe(300);
  });

  test('the summary line counts the tokens shown and the total', () => {
    const text = JSON.stringify(tokenListMessage(pageOf(ownerWith(300), 275)).blocks);
    expect(text).toContain('Showing 276–300 of 300 tokens.');
  });

  test('an empty list says so, for oneself and for someone else', () => {
    expect(JSON.stringify(tokenListMessage(pageOf([], 0)).blocks)).toContain('You have no API tokens');
    expect(JSON.stringify(tokenListMessage(pageOf([], 0, false)).blocks)).toContain('has no API tokens');
  });

  test('a notice appears above the list and becomes the notification text', () => {
    const message = tokenListMessage(pageOf(ownerWith(3), 0), 'Revoked *token 1*.');
    expect(message.text).toBe('Revoked *token 1*.');
    expect(JSON.stringify(message.blocks[0])).toContain('Revoked *token 1*.');
  });

  test('mrkdwn control characters in names and e-mails are escaped', () => {
    const odd = summary(1, {
      name: 'a & b',
      owner: { ...OWNER, email: 'x&y@example.com', name: '<!channel> Mallory' },
    });
    const message = tokenListMessage({ ...pageOf([odd], 0, false), owner: odd.owner });
    // Only mrkdwn is interpreted; the confirm dialog is plain text and shows names as typed.
    const text = blocksOf(message)
      .map((b) => (b.text as Json | undefined)?.text ?? '')
      .join('\n');
    expect(text).toContain('a &amp; b');
    expect(text).toContain('&lt;!channel&gt; Mallory');
    expect(text).not.toContain('<!channel>');
  });

  test('arbitrary names, e-mails and display names never break a Slack limit', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 64 }),
        fc.string({ minLength: 1, maxLength: 254 }),
        fc.option(fc.string({ maxLength: 5000 })),
        fc.integer({ min: 0, max: 400 }),
        (name, email, display, total) => {
          const owner = { id: OWNER.id, email, name: display };
          const all = Array.from({ length: Math.min(total, 60) }, (_, i) => summary(i, { name, owner }));
          const page: TokenPage = { owner, isSelf: false, items: all.slice(0, 25), total, offset: 0 };
          expect(validateBlockKit('message', tokenListMessage(page, name))).toEqual([]);
          expect(validateBlockKit('modal', tokenListModal(page, name))).toEqual([]);
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe('the token list modal', () => {
  test('keeps its page in private_metadata and passes modal checks', () => {
    const modal = tokenListModal(pageOf(ownerWith(300), 50));
    expect(validateBlockKit('modal', modal)).toEqual([]);
    expect(decodeCursor(modal.private_metadata)).toEqual({ k: 'tokens', o: OWNER.id, p: 50 });
  });
});

describe('the revoke card', () => {
  test('shows an active token with its owner and the confirm-guarded button, and says nothing happens yet', () => {
    const card = revokeCardMessage(summary(7));
    expect(validateBlockKit('message', card)).toEqual([]);
    const text = JSON.stringify(card.blocks);
    expect(text).toContain('Owner: Olive Owner (olive@example.com)');
    expect(text).toContain('Nothing is revoked until you press *Revoke* and confirm.');
    const [button] = buttons(card);
    expect(button).toMatchObject({ action_id: ACTION.revokeToken, value: 'Tok000000007', style: 'danger' });
    expect(parseTokenRowBlockId(String(card.blocks[0]!.block_id)).cursor).toEqual({
      k: 'token',
      id: 'Tok000000007',
    });
  });

  test('a revoked token has no button and says there is nothing to revoke', () => {
    const card = revokeCardMessage(summary(7, { status: 'revoked', revokedAt: new Date() }));
    expect(buttons(card)).toEqual([]);
    expect(JSON.stringify(card.blocks)).toContain('there is nothing left to revoke');
  });
});

describe('page cursors', () => {
  test('round-trip through encode and decode', () => {
    const cursors: Cursor[] = [
      { k: 'tokens', o: OWNER.id, p: 25 },
      { k: 'token', id: 'AbCdEfGhIjKl' },
      { k: 'users', p: 40 },
      { k: 'audit', s: OWNER.id, b: 77, h: [0, 120] },
      { k: 'home', u: 20, t: 0 },
    ];
    for (const c of cursors) expect(decodeCursor(encodeCursor(c))).toEqual(c);
  });

  test('anything malformed, crafted or oversized decodes to nothing', () => {
    const bad = [
      '',
      'not json',
      'null',
      '[]',
      '{"k":"tokens","o":"not-a-uuid","p":0}',
      `{"k":"tokens","o":"${OWNER.id}","p":-1}`,
      `{"k":"tokens","o":"${OWNER.id}","p":1.5}`,
      '{"k":"token","id":"short"}',
      '{"k":"users","p":"0"}',
      '{"k":"audit","h":"x"}',
      '{"k":"audit","b":0,"h":[]}',
      '{"k":"drop table","p":0}',
      `{"k":"users","p":0,"pad":"${'x'.repeat(MAX_CURSOR_LENGTH)}"}`,
    ];
    for (const raw of bad) expect(decodeCursor(raw), raw).toBeUndefined();
  });

  test('a row block id never exceeds 255 characters; a cursor that would is left out', () => {
    const long: Cursor = { k: 'audit', h: Array.from({ length: 100 }, (_, i) => 1_000_000 + i) };
    const id = tokenRowBlockId('AbCdEfGhIjKl', long);
    expect(id).toBe(`${BLOCK.tokenRow}|AbCdEfGhIjKl`);
    expect(parseTokenRowBlockId(id)).toEqual({ tokenId: 'AbCdEfGhIjKl' });
  });
});
