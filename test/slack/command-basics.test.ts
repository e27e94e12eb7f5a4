import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { type Harness, startHarness } from '../support/app-harness.ts';

describe('the /apitoken command through the real Bolt receiver', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
    await h.person({ id: 'U0ADMIN001', email: 'admin@example.com' }, 'admin');
    await h.person({ id: 'U0MEMBER01', email: 'member@example.com' });
  });
  afterEach(async () => h.close());

  test('help answers with an ephemeral text through the response_url', async () => {
    const { res, responseUrl } = await h.command('help', { userId: 'U0ADMIN001' });
    expect(res.status).toBe(200);
    const reply = await h.waitFor(() => h.fake.callsTo('response_url').find((c) => c.url === responseUrl));
    expect(reply.args.response_type).toBe('ephemeral');
    expect(String(reply.args.text)).toContain('/apitoken generate');
  });

  test('an unknown subcommand gets the help text with a reason', async () => {
    await h.command('frobnicate now', { userId: 'U0MEMBER01' });
    const reply = await h.waitFor(() => h.fake.callsTo('response_url')[0]);
    expect(String(reply.args.text)).toContain('not a Tokendesk subcommand');
    expect(String(reply.args.text)).not.toContain('/apitoken generate');
  });

  test('malformed arguments get the help text with the reason, and nothing is looked up', async () => {
    const { responseUrl } = await h.command('list bob', { userId: 'U0ADMIN001' });
    const reply = await h.waitFor(() => h.fake.callsTo('response_url').find((c) => c.url === responseUrl));
    expect(reply.args.response_type).toBe('ephemeral');
    const text = String(reply.args.text);
    expect(text).toMatch(/^`list` takes nothing or one @mention of a person\. Mention the person with @\./);
    // The help for an admin follows the reason.
    expect(text).toContain('/apitoken list @person');
    expect(h.fake.callsTo('users.info').map((c) => c.args.user)).not.toContain('bob');
  });

  test('a bot is refused with a clear message', async () => {
    h.fake.addUser({ id: 'U0BOTUSER1', teamId: 'T0FAKE0001', isBot: true, email: 'bot@example.com' });
    await h.command('list', { userId: 'U0BOTUSER1' });
    const reply = await h.waitFor(() => h.fake.callsTo('response_url')[0]);
    expect(String(reply.args.text)).toContain('not bots');
  });

  test('unsigned and stale requests are refused with 401', async () => {
    const body = 'command=%2Fapitoken&text=help&user_id=U0ADMIN001&team_id=T0FAKE0001';
    expect((await h.post(body, { signature: 'v0=deadbeef' })).status).toBe(401);
    expect((await h.post(body, { timestamp: Math.floor(Date.now() / 1000) - 600 })).status).toBe(401);
    expect((await h.post(body, { timestamp: Math.floor(Date.now() / 1000) + 600 })).status).toBe(401);
    expect(h.fake.calls.filter((c) => c.method !== 'auth.test')).toHaveLength(0);
  });

  test('/healthz answers 200 while the database answers', async () => {
    const res = await fetch(`${h.baseUrl}/healthz`);
    expect(res.status).toBe(200);
  });
});
