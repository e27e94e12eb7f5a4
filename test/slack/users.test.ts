import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { OPERATOR } from '../../src/shared/actor.ts';
import { ASK_AN_ADMIN } from '../../src/slack/error-text.ts';
import { ACTION } from '../../src/slack/ids.ts';
import { CHANNEL_ID, type Harness, startHarness } from '../support/app-harness.ts';
import { type RecordedCall, validateBlockKit } from '../support/slack-fake.ts';

const ADMIN = 'U0ADMIN001';
const MEMBER = 'U0MEMBER01';

type Json = Record<string, unknown>;

const replyTo = async (h: Harness, responseUrl: string): Promise<RecordedCall> => {
  const call = await h.waitFor(() => h.fake.callsTo('response_url').find((c) => c.url === responseUrl));
  expect(call.error).toBeUndefined();
  expect(validateBlockKit('message', call.args)).toEqual([]);
  return call;
};

const buttonsOf = (args: Json): Json[] =>
  ((args.blocks as Json[] | undefined) ?? []).flatMap((b) =>
    ((b.elements as Json[] | undefined) ?? []).filter((e) => e.type === 'button'),
  );

describe('/apitoken users', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
    await h.person({ id: ADMIN, email: 'admin@example.com' }, 'admin');
    await h.person({ id: MEMBER, email: 'member@example.com' });
    await h.services.users.addUser(OPERATOR, { email: 'member@example.com', name: 'Mo Member' });
  });
  afterEach(async () => h.close());

  test('lists everyone with e-mail, role, active-token count and their buttons', async () => {
    const member = await h.services.users.getUserByEmail('member@example.com');
    await h.services.tokens.generate(OPERATOR, { ownerId: member.id, name: 'One' });
    const revoked = await h.services.tokens.generate(OPERATOR, { ownerId: member.id, name: 'Two' });
    await h.services.tokens.revoke(OPERATOR, revoked.summary.id);
    const { responseUrl } = await h.command('users', { userId: ADMIN });
    const reply = await replyTo(h, responseUrl);
    const text = JSON.stringify(reply.args.blocks);
    expect(text).toContain('*admin@example.com*  ·  admin  ·  0 active tokens');
    expect(text).toContain('*Mo Member (member@example.com)*  ·  member  ·  1 active token');
    const forMember = buttonsOf(reply.args).filter((b) => b.value === member.id);
    expect(forMember.map((b) => b.action_id)).toEqual([ACTION.viewTokens, ACTION.openGenerate]);
  });

  test('a member asking for users is refused', async () => {
    const { responseUrl } = await h.command('users', { userId: MEMBER });
    expect((await replyTo(h, responseUrl)).args.text).toBe(ASK_AN_ADMIN);
  });

  test('View tokens under the list answers with that person’s tokens as a new ephemeral', async () => {
    const member = await h.services.users.getUserByEmail('member@example.com');
    const { summary } = await h.services.tokens.generate(OPERATOR, {
      ownerId: member.id,
      name: 'CI deploys',
    });
    const url = h.fake.responseUrl();
    await h.action({
      userId: ADMIN,
      actionId: ACTION.viewTokens,
      blockId: `user|${member.id}`,
      value: member.id,
      responseUrl: url,
      channelId: CHANNEL_ID,
    });
    const reply = await replyTo(h, url);
    expect(reply.args).toMatchObject({ response_type: 'ephemeral', replace_original: false });
    expect(JSON.stringify(reply.args.blocks)).toContain(summary.id);
  });

  test('View tokens from a member for someone else is refused', async () => {
    const admin = await h.services.users.getUserByEmail('admin@example.com');
    const url = h.fake.responseUrl();
    await h.action({ userId: MEMBER, actionId: ACTION.viewTokens, value: admin.id, responseUrl: url });
    expect((await replyTo(h, url)).args.text).toBe(ASK_AN_ADMIN);
  });

  test('45 people page 20 at a time through Next', async () => {
    for (let i = 0; i < 43; i += 1) {
      await h.services.repos.users.insertOrGet(h.handle.db, {
        email: `p${String(i).padStart(2, '0')}@example.com`,
        role: 'member',
        createdAt: h.clock.now(),
      });
    }
    const { responseUrl } = await h.command('users', { userId: ADMIN });
    const first = await replyTo(h, responseUrl);
    expect(JSON.stringify(first.args.blocks)).toContain('Showing 1–20 of 45 people.');
    const next = buttonsOf(first.args).find((b) => b.action_id === ACTION.page)!;
    const url = h.fake.responseUrl();
    await h.action({ userId: ADMIN, actionId: ACTION.page, value: String(next.value), responseUrl: url });
    const second = await replyTo(h, url);
    expect(second.args.replace_original).toBe(true);
    expect(JSON.stringify(second.args.blocks)).toContain('Showing 21–40 of 45 people.');
  });
});
