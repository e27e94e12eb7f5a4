import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { OPERATOR } from '../../src/shared/actor.ts';
import { ACTION, CALLBACK } from '../../src/slack/ids.ts';
import { decodeCursor } from '../../src/slack/views/paging.ts';
import type { TokenSummary } from '../../src/tokens/tokens.models.ts';
import { CHANNEL_ID, type Harness, startHarness } from '../support/app-harness.ts';
import { type RecordedCall, type SlackView, validateBlockKit } from '../support/slack-fake.ts';

const ADMIN = 'U0ADMIN001';
const MEMBER = 'U0MEMBER01';

type Json = Record<string, unknown>;

const buttonsOf = (view: Json): Json[] =>
  ((view.blocks as Json[] | undefined) ?? []).flatMap((b) => [
    ...(b.accessory ? [b.accessory as Json] : []),
    ...((b.elements as Json[] | undefined) ?? []).filter((e) => e.type === 'button'),
  ]);

const rowOf = (view: Json, tokenId: string) =>
  ((view.blocks as Json[]) ?? []).find((b) => (b.accessory as Json | undefined)?.value === tokenId);

describe('the App Home', () => {
  let h: Harness;
  const plaintexts = new Map<string, string>();

  const tokenFor = async (email: string, name: string, days = 90): Promise<TokenSummary> => {
    const owner = await h.services.users.getUserByEmail(email);
    const { token, summary } = await h.services.tokens.generate(OPERATOR, {
      ownerId: owner.id,
      name,
      expiry: { inDays: days },
    });
    plaintexts.set(summary.id, token);
    return summary;
  };

  /** Opens the Home tab as Slack does and returns the view Tokendesk published. */
  const openHome = async (userId: string, extra: Json = {}, current?: SlackView): Promise<SlackView> => {
    const before = h.fake.callsTo('views.publish').filter((c) => c.args.user_id === userId).length;
    const channel = h.fake.dmChannelOf(userId);
    const res = await h.event({
      event: {
        type: 'app_home_opened',
        user: userId,
        channel,
        tab: 'home',
        ...(current ? { view: current } : {}),
      },
      ...extra,
    });
    expect(res.status).toBe(200);
    const call = await h.waitFor(
      () => h.fake.callsTo('views.publish').filter((c) => c.args.user_id === userId)[before],
    );
    expect(call.error).toBeUndefined();
    return h.fake.homeOf(userId)!;
  };

  const publishesTo = (userId: string): RecordedCall[] =>
    h.fake.callsTo('views.publish').filter((c) => c.args.user_id === userId);

  beforeEach(async () => {
    plaintexts.clear();
    h = await startHarness();
    await h.person({ id: ADMIN, email: 'admin@example.com', realName: 'Ada Admin' }, 'admin');
    await h.person({ id: MEMBER, email: 'member@example.com', realName: 'Mo Member' });
    await h.services.users.addUser(OPERATOR, { email: 'member@example.com', name: 'Mo Member' });
  });
  afterEach(async () => h.close());

  test('an admin’s Home is the admin page: people with counts, Generate, View tokens and expiring tokens', async () => {
    const soon = await tokenFor('member@example.com', 'Expires soon', 10);
    const later = await tokenFor('member@example.com', 'Expires later', 90);
    const home = await openHome(ADMIN);
    expect(validateBlockKit('home', home)).toEqual([]);
    expect(home.callback_id).toBe(CALLBACK.home);
    const text = JSON.stringify(home.blocks);
    expect(text).toContain('*People* (2)');
    expect(text).toContain('*Mo Member (member@example.com)*  ·  member  ·  2 active tokens');
    expect(text).toContain('Expiring in the next 30 days');
    const buttons = buttonsOf(home);
    const member = await h.services.users.getUserByEmail('member@example.com');
    expect(buttons.find((b) => b.action_id === ACTION.viewTokens && b.value === member.id)).toBeDefined();
    expect(buttons.find((b) => b.action_id === ACTION.openGenerate && b.value === member.id)).toBeDefined();
    expect(buttons.filter((b) => b.action_id === ACTION.revokeToken).map((b) => b.value)).toEqual([soon.id]);
    expect(text).not.toContain(later.id);
    for (const secret of plaintexts.values()) expect(h.fake.allCallsText()).not.toContain(secret);
  });

  test('a member’s Home shows only their own tokens', async () => {
    const mine = await tokenFor('member@example.com', 'Mine');
    const admins = await tokenFor('admin@example.com', 'The admin’s');
    const home = await openHome(MEMBER);
    expect(validateBlockKit('home', home)).toEqual([]);
    const text = JSON.stringify(home.blocks);
    expect(text).toContain('*Your API tokens*');
    expect(text).toContain(mine.id);
    expect(text).not.toContain(admins.id);
    expect(text).not.toContain('*People*');
    expect(buttonsOf(home).map((b) => b.action_id)).toEqual([ACTION.revokeToken]);
  });

  test('the Home of the owner and of the admin is refreshed after a revoke from a message', async () => {
    const target = await tokenFor('member@example.com', 'CI deploys', 10);
    await openHome(MEMBER);
    await openHome(ADMIN);
    const memberBefore = publishesTo(MEMBER).length;
    const adminBefore = publishesTo(ADMIN).length;

    const { responseUrl } = await h.command('list <@U0MEMBER01>', { userId: ADMIN });
    const list = await h.waitFor(() => h.fake.callsTo('response_url').find((c) => c.url === responseUrl));
    const row = rowOf(list.args, target.id)!;
    await h.action({
      userId: ADMIN,
      actionId: ACTION.revokeToken,
      blockId: String(row.block_id),
      value: target.id,
      responseUrl: h.fake.responseUrl(),
      channelId: CHANNEL_ID,
    });

    await h.waitFor(
      () => publishesTo(MEMBER).length > memberBefore && publishesTo(ADMIN).length > adminBefore,
    );
    const memberHome = h.fake.homeOf(MEMBER)!;
    expect(JSON.stringify(memberHome.blocks)).toContain(':no_entry: revoked');
    expect(rowOf(memberHome, target.id)).toBeUndefined();
    expect(rowOf(h.fake.homeOf(ADMIN)!, target.id)).toBeUndefined();
    expect(JSON.stringify(h.fake.homeOf(ADMIN)!.blocks)).toContain('0 active tokens');
  });

  test('revoking from the Home republishes it with what happened, and a second click says already revoked', async () => {
    const target = await tokenFor('member@example.com', 'CI deploys', 10);
    const home = await openHome(ADMIN);
    const row = rowOf(home, target.id)!;
    const clickFromHome = async () => {
      const before = publishesTo(ADMIN).length;
      const res = await h.action({
        userId: ADMIN,
        actionId: ACTION.revokeToken,
        blockId: String(row.block_id),
        value: target.id,
        view: { id: home.id, type: 'home', private_metadata: home.private_metadata, hash: home.hash },
      });
      expect(res.status).toBe(200);
      // refreshHomes publishes the plain Home, then the Home with the notice.
      await h.waitFor(() => publishesTo(ADMIN).length >= before + 2);
      const published = h.fake.homeOf(ADMIN)!;
      expect(validateBlockKit('home', published)).toEqual([]);
      return JSON.stringify(published.blocks);
    };
    const first = await clickFromHome();
    expect(first).toContain('Revoked *CI deploys*');
    expect(first).toContain('No active token expires in the next 30 days.');
    expect((await h.services.tokens.verify(plaintexts.get(target.id)!)).ok).toBe(false);
    const second = await clickFromHome();
    expect(second).toContain('was already revoked on <!date^');
  });

  test('a workspace of 1,000 people: the Home shows a page of 20 and Next shows the next page', async () => {
    for (let i = 0; i < 998; i += 1) {
      await h.services.repos.users.insertOrGet(h.handle.db, {
        email: `person${String(i).padStart(4, '0')}@example.com`,
        role: 'member',
        createdAt: h.clock.now(),
      });
    }
    const home = await openHome(ADMIN);
    expect(validateBlockKit('home', home)).toEqual([]);
    expect((home.blocks as unknown[]).length).toBeLessThanOrEqual(100);
    expect(JSON.stringify(home.blocks)).toContain('*People* (1000)');
    expect(JSON.stringify(home.blocks)).toContain('Showing 1–20 of 1000 people.');
    const next = buttonsOf(home).find((b) => b.action_id === ACTION.page)!;
    expect(decodeCursor(String(next.value))).toEqual({ k: 'home', u: 20, t: 0 });

    const before = publishesTo(ADMIN).length;
    await h.action({
      userId: ADMIN,
      actionId: ACTION.page,
      blockId: 'paging|home-users',
      value: String(next.value),
      view: { id: home.id, type: 'home', private_metadata: home.private_metadata },
    });
    await h.waitFor(() => publishesTo(ADMIN).length > before);
    const second = h.fake.homeOf(ADMIN)!;
    expect(JSON.stringify(second.blocks)).toContain('Showing 21–40 of 1000 people.');
    expect(decodeCursor(second.private_metadata as string)).toEqual({ k: 'home', u: 20, t: 0 });
    // Reopening the tab keeps the page the reader was on.
    const reopened = await openHome(ADMIN, {}, second);
    expect(JSON.stringify(reopened.blocks)).toContain('Showing 21–40 of 1000 people.');
  });

  test('View tokens on the Home opens a modal, and a revoke inside it updates the modal', async () => {
    const target = await tokenFor('member@example.com', 'CI deploys');
    const home = await openHome(ADMIN);
    const member = await h.services.users.getUserByEmail('member@example.com');
    await h.action({
      userId: ADMIN,
      actionId: ACTION.viewTokens,
      blockId: `user|${member.id}`,
      value: member.id,
      view: { id: home.id, type: 'home', private_metadata: home.private_metadata },
    });
    const opened = await h.waitFor(() => h.fake.callsTo('views.open')[0]);
    expect(opened.error).toBeUndefined();
    const modal = opened.args.view as Json;
    expect(validateBlockKit('modal', modal)).toEqual([]);
    expect(modal.callback_id).toBe(CALLBACK.tokensModal);
    const row = rowOf(modal, target.id)!;

    await h.action({
      userId: ADMIN,
      actionId: ACTION.revokeToken,
      blockId: String(row.block_id),
      value: target.id,
      view: { id: 'V0MODAL001', type: 'modal', private_metadata: modal.private_metadata },
    });
    const update = await h.waitFor(() => h.fake.callsTo('views.update')[0]);
    expect(update.args.view_id).toBe('V0MODAL001');
    const updated = update.args.view as Json;
    expect(validateBlockKit('modal', updated)).toEqual([]);
    expect(JSON.stringify(updated.blocks)).toContain('Revoked *CI deploys*');
    expect(rowOf(updated, target.id)).toBeUndefined();
  });

  test('Enterprise Grid: an org-wide install event publishes the Home of the right person', async () => {
    await tokenFor('member@example.com', 'Mine');
    const home = await openHome(MEMBER, { enterpriseId: 'E0ORG00001', isEnterpriseInstall: true });
    expect(JSON.stringify(home.blocks)).toContain('*Your API tokens*');
  });

  test('a Home refresh that Slack refuses is logged and never stops the revoke’s answer', async () => {
    const target = await tokenFor('member@example.com', 'CI deploys');
    await openHome(MEMBER);
    h.fake.failAlways('views.publish', { error: 'internal_error' });
    const { responseUrl } = await h.command(`revoke ${target.id}`, { userId: MEMBER });
    const card = await h.waitFor(() => h.fake.callsTo('response_url').find((c) => c.url === responseUrl));
    const row = rowOf(card.args, target.id)!;
    const clickUrl = h.fake.responseUrl();
    await h.action({
      userId: MEMBER,
      actionId: ACTION.revokeToken,
      blockId: String(row.block_id),
      value: target.id,
      responseUrl: clickUrl,
      channelId: CHANNEL_ID,
    });
    const reply = await h.waitFor(() => h.fake.callsTo('response_url').find((c) => c.url === clickUrl));
    expect(String(reply.args.text)).toContain('Revoked *CI deploys*');
    expect(h.logs.some((line) => line.includes('could not publish an App Home'))).toBe(true);
  });
});
