import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { OPERATOR } from '../../src/shared/actor.ts';
import { ASK_AN_ADMIN } from '../../src/slack/error-text.ts';
import { type Harness, startHarness } from '../support/app-harness.ts';
import { type RecordedCall, validateBlockKit } from '../support/slack-fake.ts';

const ADMIN = 'U0ADMIN001';
const MEMBER = 'U0MEMBER01';

const replyTo = async (h: Harness, responseUrl: string): Promise<RecordedCall> => {
  const call = await h.waitFor(() => h.fake.callsTo('response_url').find((c) => c.url === responseUrl));
  expect(call.error).toBeUndefined();
  expect(validateBlockKit('message', call.args)).toEqual([]);
  return call;
};

describe('/apitoken admins', () => {
  let h: Harness;
  const say = async (text: string, userId = ADMIN) => {
    const { responseUrl } = await h.command(text, { userId });
    return replyTo(h, responseUrl);
  };
  const roleOf = async (email: string) => (await h.services.users.getUserByEmail(email)).role;

  beforeEach(async () => {
    h = await startHarness();
    await h.person({ id: ADMIN, email: 'admin@example.com' }, 'admin');
    await h.person({ id: MEMBER, email: 'member@example.com', realName: 'Mo Member' });
  });
  afterEach(async () => h.close());

  test('lists the admins', async () => {
    const reply = await say('admins');
    expect(JSON.stringify(reply.args.blocks)).toContain('• admin@example.com');
    expect(JSON.stringify(reply.args.blocks)).toContain('(1 admin)');
  });

  test('grant @person makes them an admin, is audited, and turns their Home into the admin page', async () => {
    await h.command('list', { userId: MEMBER }); // links the member's Slack identity
    const reply = await say(`admins grant <@${MEMBER}|mo>`);
    expect(String(reply.args.text)).toContain('Mo Member (member@example.com) is now a Tokendesk admin.');
    expect(JSON.stringify(reply.args.blocks)).toContain('(2 admins)');
    expect(await roleOf('member@example.com')).toBe('admin');
    const [event] = await h.services.audit.list(OPERATOR, { limit: 1 });
    expect(event).toMatchObject({ action: 'admin.granted' });
    const home = await h.waitFor(() => h.fake.homeOf(MEMBER));
    expect(JSON.stringify(home.blocks)).toContain('*People*');

    const again = await say(`admins grant <@${MEMBER}>`);
    expect(String(again.args.text)).toContain('already a Tokendesk admin; nothing changed');
  });

  test('revoke @person removes an admin', async () => {
    await say(`admins grant <@${MEMBER}>`);
    const reply = await say(`admins revoke <@${MEMBER}>`);
    expect(String(reply.args.text)).toContain('is no longer a Tokendesk admin');
    expect(await roleOf('member@example.com')).toBe('member');
  });

  test('the last admin can never be removed, and says so', async () => {
    const reply = await say(`admins revoke <@${ADMIN}>`);
    expect(reply.args.text).toBe('admin@example.com is the last admin and cannot be removed');
    expect(await roleOf('admin@example.com')).toBe('admin');
  });

  test('an admin who removes themselves is told so without the list they may no longer see', async () => {
    await say(`admins grant <@${MEMBER}>`);
    const reply = await say(`admins revoke <@${ADMIN}>`);
    expect(reply.args.text).toBe(':white_check_mark: admin@example.com is no longer a Tokendesk admin.');
    expect(reply.args.blocks).toBeUndefined();
  });

  test('a member can neither list, grant nor revoke, and a member’s grant provisions nobody', async () => {
    h.fake.addUser({ id: 'U0STRANGER', teamId: h.fake.teamId, email: 'stranger@example.com' });
    for (const text of ['admins', 'admins grant <@U0STRANGER>', `admins revoke <@${ADMIN}>`]) {
      expect((await say(text, MEMBER)).args.text).toBe(ASK_AN_ADMIN);
    }
    await expect(h.services.users.getUserByEmail('stranger@example.com')).rejects.toMatchObject({
      code: 'users.not_found',
    });
    expect(await roleOf('admin@example.com')).toBe('admin');
  });

  test('granting a bot gets a clear message', async () => {
    h.fake.addUser({ id: 'U0SOMEBOT1', teamId: h.fake.teamId, isBot: true });
    const reply = await say('admins grant <@U0SOMEBOT1>');
    expect(String(reply.args.text)).toContain('is a bot');
  });
});
