/**
 * Every admin's App Home is the admin page (people with active-token counts, tokens expiring
 * soon), so a change there must reach every admin's Home — not only the owner's and the
 * acting admin's — including an offboarding that Slack itself triggered.
 */
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { OPERATOR } from '../../src/shared/actor.ts';
import { ACTION } from '../../src/slack/ids.ts';
import { type Harness, startHarness } from '../support/app-harness.ts';
import { FAKE_TEAM_ID } from '../support/slack-fake.ts';
import {
  ADMIN,
  addPeople,
  deliveredToken,
  linkOwner,
  MEMBER,
  OTHER_ADMIN,
  openModal,
  settle,
  submitModal,
} from './generate-support.ts';

type Json = Record<string, unknown>;

describe('App Home refresh after a change', () => {
  let h: Harness;

  /** A person who has used Tokendesk from Slack: their identity is linked, so they have a Home. */
  const link = async (slackUserId: string, email: string) => {
    const resolved = await h.services.users.resolveSlackUser(
      { teamId: FAKE_TEAM_ID, slackUserId, enterpriseId: null },
      async () => ({ email, name: email, isBot: false, deleted: false }),
    );
    if (!resolved.ok) throw new Error(`could not link ${slackUserId}`);
    return resolved.user;
  };

  const publishesTo = (userId: string) =>
    h.fake.callsTo('views.publish').filter((c) => c.args.user_id === userId && c.error === undefined);
  const homeText = (userId: string) => JSON.stringify(h.fake.homeOf(userId)?.blocks ?? []);

  beforeEach(async () => {
    h = await startHarness();
    await addPeople(h);
    await h.person({ id: OTHER_ADMIN, email: 'second@example.com', realName: 'Sam Second' }, 'admin');
    await link(ADMIN, 'admin@example.com');
    await link(OTHER_ADMIN, 'second@example.com');
  });
  afterEach(async () => h.close());

  test('a generate refreshes every admin’s Home, and none of them shows the secret', async () => {
    await submitModal(h, await openModal(h), { name: 'Nightly', preset: '7' });
    const { token } = await deliveredToken(h);
    // The other admin did nothing, yet their admin page now lists the new token as expiring soon.
    await h.waitFor(() => publishesTo(OTHER_ADMIN).length > 0);
    expect(homeText(OTHER_ADMIN)).toContain('Nightly');
    expect(homeText(OTHER_ADMIN)).toContain('olive@example.com');
    expect(JSON.stringify(h.fake.callsTo('views.publish'))).not.toContain(token);
  });

  test('a member revoking their own token refreshes every admin’s Home', async () => {
    const member = await link(MEMBER, 'member@example.com');
    const { summary } = await h.services.tokens.generate(OPERATOR, {
      ownerId: member.id,
      name: 'Old laptop',
      expiry: { inDays: 10 },
    });
    const res = await h.action({
      userId: MEMBER,
      actionId: ACTION.revokeToken,
      value: summary.id,
      responseUrl: h.fake.responseUrl(),
      channelId: 'C0GENERAL1',
    });
    expect(res.status).toBe(200);
    await h.waitFor(() => publishesTo(ADMIN).length > 0 && publishesTo(OTHER_ADMIN).length > 0);
    for (const admin of [ADMIN, OTHER_ADMIN]) expect(homeText(admin)).not.toContain('Old laptop');
    expect(homeText(MEMBER)).toContain('Old laptop');
  });

  test('offboarding through Slack’s user_change refreshes every admin’s Home', async () => {
    const owner = await linkOwner(h);
    await h.services.tokens.generate(OPERATOR, {
      ownerId: owner.id,
      name: 'Leaver key',
      expiry: { inDays: 5 },
    });
    const res = await h.event({
      event: {
        type: 'user_change',
        user: { id: 'U0OWNER001', team_id: FAKE_TEAM_ID, deleted: true, profile: {} },
        cache_ts: 1767225600,
      },
    });
    expect(res.status).toBe(200);
    await h.waitFor(() => publishesTo(ADMIN).length > 0 && publishesTo(OTHER_ADMIN).length > 0);
    for (const admin of [ADMIN, OTHER_ADMIN]) {
      expect(homeText(admin)).not.toContain('Leaver key');
      expect(homeText(admin)).toContain('olive@example.com');
    }
  });

  test('a Home that cannot be published is logged and skipped: the others and the answer still arrive', async () => {
    h.fake.failAlways('views.publish', { error: 'ratelimited' });
    const member = await link(MEMBER, 'member@example.com');
    const { summary } = await h.services.tokens.generate(OPERATOR, { ownerId: member.id, name: 'Kiosk' });
    const responseUrl = h.fake.responseUrl();
    await h.action({
      userId: MEMBER,
      actionId: ACTION.revokeToken,
      value: summary.id,
      responseUrl,
      channelId: 'C0GENERAL1',
    });
    const answer = await h.waitFor(() => h.fake.callsTo('response_url').find((c) => c.url === responseUrl));
    expect(String((answer.args as Json).text)).toContain('Revoked *Kiosk*');
    const attempted = new Set(h.fake.callsTo('views.publish').map((c) => c.args.user_id));
    expect(attempted).toEqual(new Set([ADMIN, OTHER_ADMIN, MEMBER]));
    await settle(100);
    expect(h.logs.filter((l) => l.includes('could not publish an App Home')).length).toBe(3);
    expect(h.logs.filter((l) => l.includes('"level":"error"'))).toEqual([]);
  });
});
