/**
 * Clicks and requests that race: double clicks on Generate (the modal's submit and the
 * button that opens it), Revoke and Done; two admins revoking one token at the same
 * moment; a demoted admin's old buttons. Each race ends with exactly one effect, one
 * audit row per effect, an answer for every click and no error in the log.
 */
import { sql } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { OPERATOR } from '../../src/shared/actor.ts';
import { ASK_AN_ADMIN } from '../../src/slack/error-text.ts';
import { ACTION } from '../../src/slack/ids.ts';
import {
  ADMIN,
  addPeople,
  deliveredToken,
  OTHER_ADMIN,
  openModal,
  settle,
  submitModal,
  successfulEphemerals,
} from '../slack/generate-support.ts';
import { CHANNEL_ID, type Harness, startHarness } from '../support/app-harness.ts';
import { rowsOf } from '../support/test-database.ts';

const count = async (h: Harness, query: ReturnType<typeof sql>) =>
  Number(rowsOf<{ n: number | string }>(await h.handle.db.execute(query))[0]!.n);

describe('racing clicks', () => {
  let h: Harness;
  const errorLines = () => h.logs.filter((line) => line.includes('"level":"error"'));

  beforeEach(async () => {
    h = await startHarness();
    await addPeople(h);
    await h.person({ id: OTHER_ADMIN, email: 'ada2@example.com', realName: 'Second Admin' }, 'admin');
  });
  afterEach(async () => h.close());

  const tokenOfOwner = async () => {
    const owner = await h.services.users.addUser(OPERATOR, { email: 'olive@example.com' });
    return h.services.tokens.generate(OPERATOR, { ownerId: owner.user.id, name: 'racy' });
  };

  const pressRevoke = (userId: string, tokenId: string) => {
    const responseUrl = h.fake.responseUrl();
    return h
      .action({ userId, actionId: ACTION.revokeToken, value: tokenId, responseUrl, channelId: CHANNEL_ID })
      .then((res) => ({ res, responseUrl }));
  };
  const replyTo = (responseUrl: string) =>
    h.waitFor(() => h.fake.callsTo('response_url').find((c) => c.url === responseUrl && !c.error));

  test('a triple click on the modal’s Generate makes one token, one audit row and one ephemeral', async () => {
    const modal = await openModal(h);
    const answers = await Promise.all([submitModal(h, modal), submitModal(h, modal), submitModal(h, modal)]);
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
    await deliveredToken(h);
    await settle(500);
    expect(await count(h, sql`select count(*) as n from api_tokens`)).toBe(1);
    expect(await count(h, sql`select count(*) as n from audit_events where action = 'token.generated'`)).toBe(
      1,
    );
    expect(successfulEphemerals(h)).toHaveLength(1);
    expect(errorLines()).toEqual([]);
  });

  test('a double click on an App Home Generate button opens a modal per click and makes nothing', async () => {
    const press = () => h.action({ userId: ADMIN, actionId: ACTION.openGenerate, value: '' });
    const answers = await Promise.all([press(), press()]);
    expect(answers.map((a) => a.status)).toEqual([200, 200]);
    await h.waitFor(() => h.fake.callsTo('views.open').length === 2);
    await settle();
    expect(h.fake.callsTo('views.open').every((c) => c.error === undefined)).toBe(true);
    expect(await count(h, sql`select count(*) as n from api_tokens`)).toBe(0);
    expect(errorLines()).toEqual([]);
  });

  test('a double click on Revoke revokes once, audits once and answers both clicks', async () => {
    const { token, summary } = await tokenOfOwner();
    const [first, second] = await Promise.all([
      pressRevoke(ADMIN, summary.id),
      pressRevoke(ADMIN, summary.id),
    ]);
    expect([first.res.status, second.res.status]).toEqual([200, 200]);
    const replies = [await replyTo(first.responseUrl), await replyTo(second.responseUrl)];
    const texts = replies.map((r) => JSON.stringify(r.args));
    expect(texts.filter((t) => /already revoked/i.test(t))).toHaveLength(1);
    expect(await count(h, sql`select count(*) as n from audit_events where action = 'token.revoked'`)).toBe(
      1,
    );
    expect((await h.services.tokens.verify(token)).ok).toBe(false);
    expect(errorLines()).toEqual([]);
  });

  test('two admins revoking one token at the same moment: one revocation, by one of them, both told', async () => {
    const { summary } = await tokenOfOwner();
    const [a, b] = await Promise.all([pressRevoke(ADMIN, summary.id), pressRevoke(OTHER_ADMIN, summary.id)]);
    const replies = [await replyTo(a.responseUrl), await replyTo(b.responseUrl)];
    expect(replies.map((r) => JSON.stringify(r.args)).filter((t) => /already revoked/i.test(t))).toHaveLength(
      1,
    );
    const rows = rowsOf<{ revoked_by: string }>(
      await h.handle.db.execute(sql`select revoked_by from api_tokens where id = ${summary.id}`),
    );
    const admins = await Promise.all(
      ['admin@example.com', 'ada2@example.com'].map((e) => h.services.users.getUserByEmail(e)),
    );
    expect(admins.map((u) => u.id)).toContain(rows[0]!.revoked_by);
    expect(await count(h, sql`select count(*) as n from audit_events where action = 'token.revoked'`)).toBe(
      1,
    );
    expect(errorLines()).toEqual([]);
  });

  test('a double click on Done deletes the ephemeral once and is harmless the second time', async () => {
    await submitModal(h, await openModal(h));
    const { token } = await deliveredToken(h);
    const responseUrl = h.fake.responseUrl();
    const press = () =>
      h.action({ userId: ADMIN, actionId: ACTION.dismissToken, value: token.slice(4, 16), responseUrl });
    const answers = await Promise.all([press(), press()]);
    expect(answers.map((a) => a.status)).toEqual([200, 200]);
    await h.waitFor(() => h.fake.callsTo('response_url').filter((c) => c.url === responseUrl).length >= 2);
    await settle();
    const deletes = h.fake
      .callsTo('response_url')
      .filter((c) => c.url === responseUrl && c.args.delete_original === true && !c.error);
    expect(deletes.length).toBeGreaterThanOrEqual(1);
    // Done never touches the token itself.
    expect((await h.services.tokens.verify(token)).ok).toBe(true);
    expect(errorLines()).toEqual([]);
  });

  test('an admin demoted while a Revoke button sat in an old message is refused when pressing it', async () => {
    const { token, summary } = await tokenOfOwner();
    const admin = await h.services.users.getUserByEmail('admin@example.com');
    await h.services.users.revokeAdmin(OPERATOR, admin.id);
    const { res, responseUrl } = await pressRevoke(ADMIN, summary.id);
    expect(res.status).toBe(200);
    const reply = await replyTo(responseUrl);
    expect(JSON.stringify(reply.args)).toContain(ASK_AN_ADMIN);
    expect((await h.services.tokens.verify(token)).ok).toBe(true);
    expect(await count(h, sql`select count(*) as n from audit_events where action = 'auth.refused'`)).toBe(1);
  });

  test('a demotion racing a generate submission: either the token is made before it, or nothing is', async () => {
    const modal = await openModal(h);
    const admin = await h.services.users.getUserByEmail('admin@example.com');
    const [answer] = await Promise.all([
      submitModal(h, modal),
      h.services.users.revokeAdmin(OPERATOR, admin.id),
    ]);
    expect(answer.status).toBe(200);
    await settle(800);
    const tokens = await count(h, sql`select count(*) as n from api_tokens`);
    const refused = await count(h, sql`select count(*) as n from audit_events where action = 'auth.refused'`);
    // Exactly one of the two outcomes, never both and never neither.
    expect(tokens + refused).toBe(1);
    expect(errorLines()).toEqual([]);
  });
});
