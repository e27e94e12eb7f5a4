import { describe, expect, test } from 'vitest';
import { ACTION, CALLBACK } from '../../../src/slack/ids.ts';
import { HOME_EXPIRING_MAX, type HomeData, homeState, homeView } from '../../../src/slack/views/home.ts';
import { decodeCursor, parseTokenRowBlockId } from '../../../src/slack/views/paging.ts';
import type { UserSummary } from '../../../src/slack/views/users-list.ts';
import type { TokenSummary } from '../../../src/tokens/tokens.models.ts';
import { validateBlockKit } from '../../support/slack-fake.ts';

const uuid = (i: number) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;

const person = (i: number): UserSummary => ({
  id: uuid(i),
  email: `person${i}@example.com`,
  displayName: `Person ${i} ${'x'.repeat(200)}`,
  role: i === 0 ? 'admin' : 'member',
  deactivatedAt: null,
  activeTokens: 3,
});

const token = (i: number, over: Partial<TokenSummary> = {}): TokenSummary => ({
  id: `Tok${String(i).padStart(9, '0')}`,
  name: `${'n'.repeat(60)}${i}`.slice(0, 64),
  owner: { id: uuid(i), email: `person${i}@example.com`, name: `Person ${i}` },
  createdAt: new Date('2026-06-01T12:00:00Z'),
  expiresAt: new Date('2026-06-20T12:00:00Z'),
  lastUsedAt: new Date('2026-06-02T12:00:00Z'),
  lastUsedIp: null,
  revokedAt: null,
  revokeReason: null,
  status: 'active',
  ...over,
});

const everyone = Array.from({ length: 1000 }, (_, i) => person(i));

const adminHome = (usersOffset: number, expiring: number, notice?: string): HomeData => ({
  kind: 'admin',
  command: '/apitoken',
  state: homeState(usersOffset, 0),
  users: {
    items: everyone.slice(usersOffset, usersOffset + 20),
    total: everyone.length,
    offset: usersOffset,
  },
  expiring: Array.from({ length: expiring }, (_, i) => token(i)),
  notice,
});

type Json = Record<string, unknown>;
const buttonsOf = (view: { blocks: unknown[] }): Json[] =>
  (view.blocks as Json[]).flatMap((b) => [
    ...(b.accessory ? [b.accessory as Json] : []),
    ...((b.elements as Json[] | undefined) ?? []).filter((e) => e.type === 'button'),
  ]);

describe('the admin Home', () => {
  test('shows a page of people with counts and buttons, and the expiring tokens with Revoke buttons', () => {
    const view = homeView(adminHome(0, 3));
    expect(validateBlockKit('home', view)).toEqual([]);
    const text = JSON.stringify(view.blocks);
    expect(text).toContain('*People* (1000)');
    expect(text).toContain('3 active tokens');
    expect(text).toContain('Expiring in the next 30 days');
    const buttons = buttonsOf(view);
    expect(buttons.filter((b) => b.action_id === ACTION.viewTokens)).toHaveLength(20);
    expect(buttons.filter((b) => b.action_id === ACTION.openGenerate)).toHaveLength(21);
    expect(buttons.filter((b) => b.action_id === ACTION.revokeToken).map((b) => b.value)).toEqual([
      'Tok000000000',
      'Tok000000001',
      'Tok000000002',
    ]);
  });

  test('a workspace of 1,000 people pages through the Home, every page within the 100-block limit', () => {
    let offset: number | undefined = 0;
    let pages = 0;
    while (offset !== undefined) {
      const view = homeView(adminHome(offset, HOME_EXPIRING_MAX + 1, 'A notice'));
      expect(validateBlockKit('home', view)).toEqual([]);
      expect(view.blocks.length).toBeLessThanOrEqual(100);
      expect((view.private_metadata ?? '').length).toBeLessThanOrEqual(3000);
      expect(decodeCursor(view.private_metadata)).toEqual({ k: 'home', u: offset, t: 0 });
      const next = buttonsOf(view).find((b) => b.action_id === ACTION.page);
      const cursor = next ? decodeCursor(String(next.value)) : undefined;
      offset = cursor?.k === 'home' ? cursor.u : undefined;
      pages += 1;
    }
    expect(pages).toBe(50);
  });

  test('lists at most 30 expiring tokens and says where the rest are', () => {
    const view = homeView(adminHome(0, HOME_EXPIRING_MAX + 1));
    expect(buttonsOf(view).filter((b) => b.action_id === ACTION.revokeToken)).toHaveLength(HOME_EXPIRING_MAX);
    expect(JSON.stringify(view.blocks)).toContain('Showing the 30 soonest.');
  });

  test('says when nothing expires soon', () => {
    expect(JSON.stringify(homeView(adminHome(0, 0)).blocks)).toContain('No active token expires');
  });

  test('expiring rows carry the Home page, so a revoke can re-render it', () => {
    const view = homeView(adminHome(40, 1));
    const row = (view.blocks as unknown as Json[]).find((b) => String(b.block_id ?? '').startsWith('token|'));
    expect(parseTokenRowBlockId(String(row!.block_id)).cursor).toEqual({ k: 'home', u: 40, t: 0 });
  });
});

describe('the member Home', () => {
  const memberHome = (total: number, offset: number): HomeData => ({
    kind: 'member',
    command: '/apitoken',
    state: homeState(0, offset),
    tokens: {
      owner: { id: uuid(5), email: 'person5@example.com', name: 'Person 5' },
      isSelf: true,
      items: Array.from({ length: Math.min(25, total - offset) }, (_, i) => token(offset + i)),
      total,
      offset,
    },
  });

  test('shows only the reader’s own tokens, with no admin controls', () => {
    const view = homeView(memberHome(2, 0));
    expect(validateBlockKit('home', view)).toEqual([]);
    expect(view.callback_id).toBe(CALLBACK.home);
    const text = JSON.stringify(view.blocks);
    expect(text).toContain('Your API tokens');
    expect(text).not.toContain('People');
    const ids = buttonsOf(view).map((b) => b.action_id);
    expect(ids).not.toContain(ACTION.openGenerate);
    expect(ids).not.toContain(ACTION.viewTokens);
    expect(ids.filter((id) => id === ACTION.revokeToken)).toHaveLength(2);
  });

  test('300 own tokens page through Home cursors within the block limit', () => {
    const view = homeView(memberHome(300, 25));
    expect(validateBlockKit('home', view)).toEqual([]);
    const next = buttonsOf(view).find((b) => b.action_id === ACTION.page);
    const previous = buttonsOf(view).find((b) => b.action_id === ACTION.pagePrevious);
    expect(decodeCursor(String(next!.value))).toEqual({ k: 'home', u: 0, t: 50 });
    expect(decodeCursor(String(previous!.value))).toEqual({ k: 'home', u: 0, t: 0 });
  });
});

test('a deactivated person’s Home says so and offers nothing', () => {
  const view = homeView({ kind: 'deactivated' });
  expect(validateBlockKit('home', view)).toEqual([]);
  expect(JSON.stringify(view.blocks)).toContain('deactivated');
  expect(buttonsOf(view)).toEqual([]);
});
