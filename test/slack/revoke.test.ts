import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { OPERATOR } from '../../src/shared/actor.ts';
import { ASK_AN_ADMIN } from '../../src/slack/error-text.ts';
import { ACTION } from '../../src/slack/ids.ts';
import { parseTokenRowBlockId } from '../../src/slack/views/paging.ts';
import type { TokenSummary } from '../../src/tokens/tokens.models.ts';
import { CHANNEL_ID, type Harness, startHarness } from '../support/app-harness.ts';
import { type RecordedCall, validateBlockKit } from '../support/slack-fake.ts';
import { blockActionsBody } from '../support/slack-requests.ts';

const ADMIN = 'U0ADMIN001';
const MEMBER = 'U0MEMBER01';
const OTHER = 'U0OTHER001';

type Json = Record<string, unknown>;

const replyTo = async (h: Harness, responseUrl: string): Promise<RecordedCall> => {
  const call = await h.waitFor(() => h.fake.callsTo('response_url').find((c) => c.url === responseUrl));
  expect(call.error).toBeUndefined();
  expect(validateBlockKit('message', call.args)).toEqual([]);
  return call;
};

/** The block holding the Revoke button of `tokenId`, as Slack would send its ids back. */
const revokeRow = (args: Json, tokenId: string): { blockId: string; button: Json } | undefined => {
  for (const block of (args.blocks as Json[] | undefined) ?? []) {
    const button = block.accessory as Json | undefined;
    if (button?.action_id === ACTION.revokeToken && button.value === tokenId) {
      return { blockId: String(block.block_id), button };
    }
  }
  return undefined;
};

describe('revoking from Slack', () => {
  let h: Harness;
  const plaintexts = new Map<string, string>();

  const tokenFor = async (email: string, name: string): Promise<TokenSummary> => {
    const owner = await h.services.users.getUserByEmail(email);
    const { token, summary } = await h.services.tokens.generate(OPERATOR, { ownerId: owner.id, name });
    plaintexts.set(summary.id, token);
    return summary;
  };
  const verifies = async (tokenId: string) => (await h.services.tokens.verify(plaintexts.get(tokenId)!)).ok;

  /** Runs a command and returns the row of `tokenId` in its reply. */
  const rowFrom = async (text: string, userId: string, tokenId: string) => {
    const { responseUrl } = await h.command(text, { userId });
    const reply = await replyTo(h, responseUrl);
    const row = revokeRow(reply.args, tokenId);
    expect(row).toBeDefined();
    return row!;
  };

  const click = async (userId: string, row: { blockId: string; button: Json }, extra: Json = {}) => {
    const responseUrl = h.fake.responseUrl();
    const res = await h.action({
      userId,
      actionId: ACTION.revokeToken,
      blockId: row.blockId,
      value: String(row.button.value),
      responseUrl,
      channelId: CHANNEL_ID,
      ...extra,
    });
    expect(res.status).toBe(200);
    return replyTo(h, responseUrl);
  };

  beforeEach(async () => {
    plaintexts.clear();
    h = await startHarness();
    await h.person({ id: ADMIN, email: 'admin@example.com', realName: 'Ada Admin' }, 'admin');
    await h.person({ id: MEMBER, email: 'member@example.com', realName: 'Mo Member' });
    await h.person({ id: OTHER, email: 'other@example.com', realName: 'Oto Other' });
    await h.services.users.addUser(OPERATOR, { email: 'member@example.com', name: 'Mo Member' });
    await h.services.users.addUser(OPERATOR, { email: 'other@example.com', name: 'Oto Other' });
  });
  afterEach(async () => h.close());

  test('the confirm-guarded Revoke button revokes the token and replaces the list with its new state', async () => {
    const target = await tokenFor('member@example.com', 'CI deploys');
    const kept = await tokenFor('member@example.com', 'Laptop');
    const row = await rowFrom(`list <@${MEMBER}>`, ADMIN, target.id);
    expect(row.button).toMatchObject({ style: 'danger', value: target.id });
    const confirm = row.button.confirm as { text: { text: string } };
    expect(confirm.text.text).toContain('CI deploys');
    expect(confirm.text.text).toContain('member@example.com');
    expect(confirm.text.text).toContain('permanent');

    const reply = await click(ADMIN, row);
    expect(reply.args.replace_original).toBe(true);
    expect(String(reply.args.text)).toContain(`Revoked *CI deploys* (\`${target.id}\`)`);
    // Same page, new state: the revoked row lost its button, the other kept it.
    expect(revokeRow(reply.args, target.id)).toBeUndefined();
    expect(revokeRow(reply.args, kept.id)).toBeDefined();
    expect(JSON.stringify(reply.args.blocks)).toContain(':no_entry: revoked');
    expect(JSON.stringify(reply.args.blocks)).toContain('*API tokens of Mo Member (member@example.com)*');

    expect(await verifies(target.id)).toBe(false);
    expect(await verifies(kept.id)).toBe(true);
    const events = await h.services.audit.list(OPERATOR, { limit: 10 });
    expect(events.find((e) => e.action === 'token.revoked')).toMatchObject({
      tokenId: target.id,
      details: { reason: 'manual' },
    });

    const everything = h.fake.allCallsText() + h.logs.join('\n');
    for (const secret of plaintexts.values()) expect(everything).not.toContain(secret);
  });

  test('a second click says the token was already revoked, when and by whom', async () => {
    const target = await tokenFor('member@example.com', 'CI deploys');
    const row = await rowFrom(`list <@${MEMBER}>`, ADMIN, target.id);
    await click(ADMIN, row);
    const again = await click(ADMIN, row);
    expect(again.args.replace_original).toBe(true);
    expect(String(again.args.text)).toMatch(
      /was already revoked on <!date\^\d+\^\{date_short_pretty\} \{time\}\|.+ UTC> by admin@example.com\. Nothing changed\./,
    );
    const revokes = (await h.services.audit.list(OPERATOR, { limit: 20 })).filter(
      (e) => e.action === 'token.revoked',
    );
    expect(revokes).toHaveLength(1);
  });

  test('a member sending a crafted revoke for someone else’s token is refused, audited, and the token still works', async () => {
    const theirs = await tokenFor('other@example.com', 'Build server');
    const row = await rowFrom(`list <@${OTHER}>`, ADMIN, theirs.id);
    const reply = await click(MEMBER, row);
    expect(reply.args).toMatchObject({
      text: ASK_AN_ADMIN,
      replace_original: false,
      response_type: 'ephemeral',
    });
    expect(await verifies(theirs.id)).toBe(true);
    const [refusal] = await h.services.audit.list(OPERATOR, { limit: 1 });
    expect(refusal).toMatchObject({ action: 'auth.refused', details: { attempted: 'tokens.revoke' } });
    const member = await h.services.users.getUserByEmail('member@example.com');
    expect(refusal!.actorId).toBe(member.id);
  });

  test('a member revokes their own token from their own list', async () => {
    const mine = await tokenFor('member@example.com', 'Old laptop');
    const row = await rowFrom('list', MEMBER, mine.id);
    const reply = await click(MEMBER, row);
    expect(String(reply.args.text)).toContain('Revoked *Old laptop*');
    expect(JSON.stringify(reply.args.blocks)).toContain('*Your API tokens*');
    expect(await verifies(mine.id)).toBe(false);
  });

  test('a member’s help offers revoke <id> for their own tokens, and it does what the help says', async () => {
    const help = await h.command('help', { userId: MEMBER });
    const text = String((await replyTo(h, help.responseUrl)).args.text);
    expect(text).toContain('`/apitoken revoke <token id>` — revoke one of your own tokens');
    expect(text).not.toContain('/apitoken generate');

    const mine = await tokenFor('member@example.com', 'Old phone');
    const row = await rowFrom(`revoke ${mine.id}`, MEMBER, mine.id);
    expect(row.button.confirm).toBeDefined();
    const reply = await click(MEMBER, row);
    expect(String(reply.args.text)).toContain('Revoked *Old phone*');
    expect(await verifies(mine.id)).toBe(false);
  });

  test('revoke <id> answers with the token and its confirm-guarded button, and revokes nothing', async () => {
    const target = await tokenFor('other@example.com', 'Build server');
    const row = await rowFrom(`revoke ${target.id}`, ADMIN, target.id);
    expect(parseTokenRowBlockId(row.blockId).cursor).toEqual({ k: 'token', id: target.id });
    expect(row.button.confirm).toBeDefined();
    expect(await verifies(target.id)).toBe(true);
    const events = await h.services.audit.list(OPERATOR, { limit: 20 });
    expect(events.some((e) => e.action === 'token.revoked')).toBe(false);

    // Pressing the card's button (after Slack's confirm) revokes, and the card shows the new state.
    const reply = await click(ADMIN, row);
    expect(String(reply.args.text)).toContain('Revoked *Build server*');
    expect(JSON.stringify(reply.args.blocks)).toContain('there is nothing left to revoke');
    expect(revokeRow(reply.args, target.id)).toBeUndefined();
    expect(await verifies(target.id)).toBe(false);
  });

  test('revoke with an unknown id, or a malformed one, says so clearly', async () => {
    const unknown = await h.command('revoke AAAAAAAAAAAA', { userId: ADMIN });
    expect((await replyTo(h, unknown.responseUrl)).args.text).toBe('No token with id AAAAAAAAAAAA');
    const malformed = await h.command('revoke nope', { userId: ADMIN });
    expect(String((await replyTo(h, malformed.responseUrl)).args.text)).toContain(
      '`revoke` takes one token id',
    );
  });

  test('revoke <id> of someone else’s token from a member is refused', async () => {
    const theirs = await tokenFor('other@example.com', 'Build server');
    const { responseUrl } = await h.command(`revoke ${theirs.id}`, { userId: MEMBER });
    expect((await replyTo(h, responseUrl)).args.text).toBe(ASK_AN_ADMIN);
  });

  test('a Revoke button whose value is not a token id says the button no longer works', async () => {
    const reply = await click(ADMIN, { blockId: 'token|x', button: { value: 'drop table' } });
    expect(String(reply.args.text)).toContain('That button no longer works');
  });

  test('Enterprise Grid: an org-wide install payload is identified by the user’s own team', async () => {
    const target = await tokenFor('member@example.com', 'Grid token');
    const { responseUrl } = await h.command(`revoke ${target.id}`, {
      userId: ADMIN,
      enterpriseId: 'E0ORG00001',
    });
    const row = revokeRow((await replyTo(h, responseUrl)).args, target.id)!;
    // Org-wide installs may send `team: null`; only the user's own team_id says where they are.
    const url = h.fake.responseUrl();
    const form = new URLSearchParams(
      blockActionsBody({
        userId: ADMIN,
        teamId: h.fake.teamId,
        enterpriseId: 'E0ORG00001',
        isEnterpriseInstall: true,
        actionId: ACTION.revokeToken,
        blockId: row.blockId,
        value: target.id,
        triggerId: h.fake.issueTriggerId(),
        responseUrl: url,
        channelId: CHANNEL_ID,
      }),
    );
    const payload = JSON.parse(form.get('payload')!) as Json;
    expect(payload).toMatchObject({ is_enterprise_install: true, enterprise: { id: 'E0ORG00001' } });
    payload.team = null;
    expect((await h.post(new URLSearchParams({ payload: JSON.stringify(payload) }).toString())).status).toBe(
      200,
    );
    const reply = await replyTo(h, url);
    expect(String(reply.args.text)).toContain('Revoked *Grid token*');
    expect(await verifies(target.id)).toBe(false);
    const admin = await h.services.users.findUserBySlackIdentity(h.fake.teamId, ADMIN);
    expect(admin?.email).toBe('admin@example.com');
  });
});
