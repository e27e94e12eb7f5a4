import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { OPERATOR } from '../../src/shared/actor.ts';
import { ASK_AN_ADMIN } from '../../src/slack/error-text.ts';
import { ACTION } from '../../src/slack/ids.ts';
import { decodeCursor, encodeCursor } from '../../src/slack/views/paging.ts';
import { CHANNEL_ID, type Harness, startHarness } from '../support/app-harness.ts';
import { type RecordedCall, validateBlockKit } from '../support/slack-fake.ts';

const ADMIN = 'U0ADMIN001';
const MEMBER = 'U0MEMBER01';
const OTHER = 'U0OTHER001';

type Json = Record<string, unknown>;

/** The response_url reply, checked against Slack's message limits. */
const replyTo = async (h: Harness, responseUrl: string): Promise<RecordedCall> => {
  const call = await h.waitFor(() => h.fake.callsTo('response_url').find((c) => c.url === responseUrl));
  expect(call.error).toBeUndefined();
  expect(validateBlockKit('message', call.args)).toEqual([]);
  return call;
};

const buttonsOf = (args: Json): Json[] =>
  ((args.blocks as Json[] | undefined) ?? []).flatMap((b) => [
    ...(b.accessory ? [b.accessory as Json] : []),
    ...((b.elements as Json[] | undefined) ?? []).filter((e) => e.type === 'button'),
  ]);

describe('/apitoken list', () => {
  let h: Harness;
  const plaintexts: string[] = [];

  const tokenFor = async (email: string, name: string) => {
    const owner = await h.services.users.getUserByEmail(email);
    const { token, summary } = await h.services.tokens.generate(OPERATOR, { ownerId: owner.id, name });
    plaintexts.push(token);
    return summary;
  };

  beforeEach(async () => {
    plaintexts.length = 0;
    h = await startHarness();
    await h.person({ id: ADMIN, email: 'admin@example.com', realName: 'Ada Admin' }, 'admin');
    await h.person({ id: MEMBER, email: 'member@example.com', realName: 'Mo Member' });
    await h.person({ id: OTHER, email: 'other@example.com', realName: 'Oto Other' });
    await h.services.users.addUser(OPERATOR, { email: 'member@example.com' });
    await h.services.users.addUser(OPERATOR, { email: 'other@example.com' });
  });
  afterEach(async () => h.close());

  test('with no argument a member sees their own tokens, metadata only, and never a secret', async () => {
    const mine = await tokenFor('member@example.com', 'CI deploys');
    const old = await tokenFor('member@example.com', 'Old laptop');
    await h.services.tokens.revoke(OPERATOR, old.id);
    const theirs = await tokenFor('other@example.com', 'Not yours');

    const { responseUrl } = await h.command('list', { userId: MEMBER });
    const reply = await replyTo(h, responseUrl);
    expect(reply.args.response_type).toBe('ephemeral');
    const text = JSON.stringify(reply.args.blocks);
    expect(text).toContain('*Your API tokens*');
    expect(text).toContain(`\`${mine.id}\``);
    expect(text).toContain('*CI deploys*');
    expect(text).toContain(`\`${old.id}\``);
    expect(text).toContain(':no_entry: revoked');
    expect(text).toContain('Expires <!date^');
    expect(text).not.toContain(theirs.id);
    expect(buttonsOf(reply.args).map((b) => b.value)).toEqual([mine.id]);

    const everything = h.fake.allCallsText() + h.logs.join('\n');
    for (const secret of plaintexts) expect(everything).not.toContain(secret);
    expect(everything).not.toContain('$argon2');
  });

  test('an admin lists someone else’s tokens with list @person', async () => {
    const theirs = await tokenFor('other@example.com', 'Build server');
    const { responseUrl } = await h.command(`list <@${OTHER}|oto>`, { userId: ADMIN });
    const reply = await replyTo(h, responseUrl);
    const text = JSON.stringify(reply.args.blocks);
    expect(text).toContain('*API tokens of other@example.com*');
    expect(text).toContain(theirs.id);
    // First sight of the mentioned person went through users.info and linked them.
    expect(h.fake.callsTo('users.info').some((c) => c.args.user === OTHER)).toBe(true);
    const linked = await h.services.users.findUserBySlackIdentity(h.fake.teamId, OTHER);
    expect(linked?.email).toBe('other@example.com');
  });

  test('a member asking for list @person is refused, audited, and nobody is provisioned', async () => {
    h.fake.addUser({ id: 'U0STRANGER', teamId: h.fake.teamId, email: 'stranger@example.com' });
    const { responseUrl } = await h.command('list <@U0STRANGER>', { userId: MEMBER });
    const reply = await replyTo(h, responseUrl);
    expect(reply.args.text).toBe(ASK_AN_ADMIN);
    await expect(h.services.users.getUserByEmail('stranger@example.com')).rejects.toMatchObject({
      code: 'users.not_found',
    });
    const events = await h.services.audit.list(OPERATOR, { limit: 5 });
    expect(events[0]).toMatchObject({ action: 'auth.refused', details: { attempted: 'tokens.list' } });
  });

  test('mentioning a bot, someone without an e-mail or someone Slack does not know gets a clear message', async () => {
    h.fake.addUser({ id: 'U0SOMEBOT1', teamId: h.fake.teamId, isBot: true });
    h.fake.addUser({ id: 'U0NOEMAIL1', teamId: h.fake.teamId });
    const cases: Array<[string, string]> = [
      ['U0SOMEBOT1', 'is a bot'],
      ['U0NOEMAIL1', 'no e-mail address'],
      ['U0NOBODY01', 'Slack does not know'],
    ];
    for (const [id, expected] of cases) {
      const { responseUrl } = await h.command(`list <@${id}>`, { userId: ADMIN });
      const reply = await replyTo(h, responseUrl);
      expect(String(reply.args.text)).toContain(`<@${id}>`);
      expect(String(reply.args.text)).toContain(expected);
    }
  });

  test('an owner with 300 tokens pages through them with Next and Previous', async () => {
    const owner = await h.services.users.getUserByEmail('member@example.com');
    for (let i = 0; i < 300; i += 1) {
      await h.services.tokens.generate(OPERATOR, { ownerId: owner.id, name: `token ${i}` });
    }

    const { responseUrl } = await h.command('list', { userId: MEMBER });
    const first = await replyTo(h, responseUrl);
    expect(JSON.stringify(first.args.blocks)).toContain('Showing 1–25 of 300 tokens.');
    const next = buttonsOf(first.args).find((b) => b.action_id === ACTION.page)!;
    expect(buttonsOf(first.args).some((b) => b.action_id === ACTION.pagePrevious)).toBe(false);

    const nextUrl = h.fake.responseUrl();
    await h.action({
      userId: MEMBER,
      actionId: ACTION.page,
      blockId: 'paging|tokens',
      value: String(next.value),
      responseUrl: nextUrl,
      channelId: CHANNEL_ID,
    });
    const second = await replyTo(h, nextUrl);
    expect(second.args.replace_original).toBe(true);
    expect(JSON.stringify(second.args.blocks)).toContain('Showing 26–50 of 300 tokens.');
    const previous = buttonsOf(second.args).find((b) => b.action_id === ACTION.pagePrevious)!;
    expect(decodeCursor(String(previous.value))).toEqual({ k: 'tokens', o: owner.id, p: 0 });

    const lastUrl = h.fake.responseUrl();
    await h.action({
      userId: MEMBER,
      actionId: ACTION.page,
      value: encodeCursor({ k: 'tokens', o: owner.id, p: 275 }),
      responseUrl: lastUrl,
      channelId: CHANNEL_ID,
    });
    const last = await replyTo(h, lastUrl);
    expect(JSON.stringify(last.args.blocks)).toContain('Showing 276–300 of 300 tokens.');
    expect(buttonsOf(last.args).some((b) => b.action_id === ACTION.page)).toBe(false);
  });

  test('a member crafting a page cursor for someone else’s tokens is refused', async () => {
    const other = await h.services.users.getUserByEmail('other@example.com');
    await tokenFor('other@example.com', 'Not yours');
    const url = h.fake.responseUrl();
    await h.action({
      userId: MEMBER,
      actionId: ACTION.page,
      value: encodeCursor({ k: 'tokens', o: other.id, p: 0 }),
      responseUrl: url,
      channelId: CHANNEL_ID,
    });
    const reply = await replyTo(h, url);
    expect(reply.args).toMatchObject({ text: ASK_AN_ADMIN, replace_original: false });
  });

  test('a page button with a mangled value says the button no longer works', async () => {
    const url = h.fake.responseUrl();
    await h.action({ userId: MEMBER, actionId: ACTION.page, value: '{"k":"tokens"', responseUrl: url });
    const reply = await replyTo(h, url);
    expect(String(reply.args.text)).toContain('That button no longer works');
  });
});
