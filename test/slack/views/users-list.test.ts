import { describe, expect, test } from 'vitest';
import { ACTION } from '../../../src/slack/ids.ts';
import { decodeCursor } from '../../../src/slack/views/paging.ts';
import { USERS_PER_PAGE, type UserSummary, usersListMessage } from '../../../src/slack/views/users-list.ts';
import { validateBlockKit } from '../../support/slack-fake.ts';

const uuid = (i: number) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;

const person = (i: number, over: Partial<UserSummary> = {}): UserSummary => ({
  id: uuid(i),
  email: `person${i}@example.com`,
  displayName: `Person ${i}`,
  role: 'member',
  deactivatedAt: null,
  activeTokens: i % 4,
  ...over,
});

const workspace = (n: number) => Array.from({ length: n }, (_, i) => person(i));

type Json = Record<string, unknown>;
const elements = (m: { blocks: unknown[] }) =>
  (m.blocks as Json[])
    .flatMap((b) => (b.elements as Json[] | undefined) ?? [])
    .filter((e) => e.type === 'button');

describe('the users list', () => {
  test('shows each person with e-mail, role and active-token count', () => {
    const message = usersListMessage({
      items: [person(1), person(2, { role: 'admin', activeTokens: 1 })],
      total: 2,
      offset: 0,
    });
    const text = JSON.stringify(message.blocks);
    expect(text).toContain('*Person 1 (person1@example.com)*  ·  member  ·  1 active token');
    expect(text).toContain('*Person 2 (person2@example.com)*  ·  admin  ·  1 active token');
    expect(validateBlockKit('message', message)).toEqual([]);
  });

  test('every person has View tokens and Generate buttons carrying their user id', () => {
    const message = usersListMessage({ items: [person(1)], total: 1, offset: 0 });
    expect(elements(message).map((e) => [e.action_id, e.value])).toEqual([
      [ACTION.viewTokens, uuid(1)],
      [ACTION.openGenerate, uuid(1)],
    ]);
  });

  test('a deactivated person is marked and offers no Generate button', () => {
    const message = usersListMessage({
      items: [person(1, { deactivatedAt: new Date() })],
      total: 1,
      offset: 0,
    });
    expect(JSON.stringify(message.blocks)).toContain('_deactivated_');
    expect(elements(message).map((e) => e.action_id)).toEqual([ACTION.viewTokens]);
  });

  test('a workspace of 1,000 people pages 20 at a time, every page within message limits', () => {
    const all = workspace(1000);
    let offset: number | undefined = 0;
    const seen = new Set<unknown>();
    let pages = 0;
    while (offset !== undefined) {
      const message = usersListMessage({
        items: all.slice(offset, offset + USERS_PER_PAGE),
        total: 1000,
        offset,
      });
      expect(validateBlockKit('message', message)).toEqual([]);
      for (const e of elements(message).filter((x) => x.action_id === ACTION.viewTokens)) seen.add(e.value);
      const next = elements(message).find((e) => e.action_id === ACTION.page);
      const cursor = next ? decodeCursor(String(next.value)) : undefined;
      offset = cursor?.k === 'users' ? cursor.p : undefined;
      pages += 1;
    }
    expect(pages).toBe(50);
    expect(seen.size).toBe(1000);
  });

  test('block ids are unique across a page', () => {
    const message = usersListMessage({ items: workspace(20), total: 1000, offset: 40 });
    const ids = (message.blocks as unknown as Json[]).map((b) => b.block_id).filter(Boolean);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
