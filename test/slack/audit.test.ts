import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { OPERATOR } from '../../src/shared/actor.ts';
import { ASK_AN_ADMIN } from '../../src/slack/error-text.ts';
import { ACTION } from '../../src/slack/ids.ts';
import { type Harness, startHarness } from '../support/app-harness.ts';
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
  ((args.blocks as Json[] | undefined) ?? []).flatMap((b) => (b.elements as Json[] | undefined) ?? []);

describe('/apitoken audit', () => {
  let h: Harness;
  const secrets: string[] = [];

  beforeEach(async () => {
    secrets.length = 0;
    h = await startHarness();
    await h.person({ id: ADMIN, email: 'admin@example.com' }, 'admin');
    await h.person({ id: MEMBER, email: 'member@example.com' });
    await h.services.users.addUser(OPERATOR, { email: 'member@example.com' });
  });
  afterEach(async () => h.close());

  test('shows the latest events with actor, action, subject, token id, time and reason, never a secret', async () => {
    const member = await h.services.users.getUserByEmail('member@example.com');
    const { token, summary } = await h.services.tokens.generate(OPERATOR, { ownerId: member.id, name: 'CI' });
    secrets.push(token);
    await h.services.tokens.revoke(OPERATOR, summary.id, 'leaked in a log');
    const { responseUrl } = await h.command('audit', { userId: ADMIN });
    const reply = await replyTo(h, responseUrl);
    const text = JSON.stringify(reply.args.blocks);
    expect(text).toContain('*token.revoked*  ·  by operator:cli');
    expect(text).toContain('Subject: member@example.com');
    expect(text).toContain(`Token: \`${summary.id}\``);
    expect(text).toContain('Reason: leaked in a log');
    expect(text).toContain('<!date^');
    expect(text).not.toContain(token);
    expect(h.fake.allCallsText()).not.toContain(token);
    expect(h.logs.join('\n')).not.toContain(token);
  });

  test('audit @person shows only events about that person', async () => {
    const member = await h.services.users.getUserByEmail('member@example.com');
    const admin = await h.services.users.getUserByEmail('admin@example.com');
    const mine = await h.services.tokens.generate(OPERATOR, { ownerId: member.id, name: 'Member token' });
    const theirs = await h.services.tokens.generate(OPERATOR, { ownerId: admin.id, name: 'Admin token' });
    const { responseUrl } = await h.command(`audit <@${MEMBER}>`, { userId: ADMIN });
    const text = JSON.stringify((await replyTo(h, responseUrl)).args.blocks);
    expect(text).toContain('*Audit log about member@example.com*');
    expect(text).toContain(mine.summary.id);
    expect(text).not.toContain(theirs.summary.id);
  });

  test('a member asking for the audit log is refused', async () => {
    const { responseUrl } = await h.command('audit', { userId: MEMBER });
    expect((await replyTo(h, responseUrl)).args.text).toBe(ASK_AN_ADMIN);
  });

  test('Older and Newer page through the log', async () => {
    const member = await h.services.users.getUserByEmail('member@example.com');
    for (let i = 0; i < 30; i += 1) {
      await h.services.tokens.generate(OPERATOR, { ownerId: member.id, name: `token ${i}` });
    }
    const { responseUrl } = await h.command('audit', { userId: ADMIN });
    const first = await replyTo(h, responseUrl);
    expect(JSON.stringify(first.args.blocks)).toContain('Token name: token 29');
    const older = buttonsOf(first.args).find((b) => b.action_id === ACTION.page)!;
    const url = h.fake.responseUrl();
    await h.action({ userId: ADMIN, actionId: ACTION.page, value: String(older.value), responseUrl: url });
    const second = await replyTo(h, url);
    const text = JSON.stringify(second.args.blocks);
    expect(text).toContain('older events');
    expect(text).toContain('Token name: token 0');
    expect(text).not.toContain('Token name: token 29');
    const newer = buttonsOf(second.args).find((b) => b.action_id === ACTION.pagePrevious)!;
    const backUrl = h.fake.responseUrl();
    await h.action({
      userId: ADMIN,
      actionId: ACTION.pagePrevious,
      value: String(newer.value),
      responseUrl: backUrl,
    });
    expect(JSON.stringify((await replyTo(h, backUrl)).args.blocks)).toContain('Token name: token 29');
  });
});
