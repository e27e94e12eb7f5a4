/** Helpers the reminder, offboarding and audit-feed tests share. */

import { sql } from 'drizzle-orm';
import type { DatabaseHandle } from '../../src/db/client.ts';
import { OPERATOR } from '../../src/shared/actor.ts';
import { type Harness, type HarnessOptions, startHarness } from '../support/app-harness.ts';
import { FAKE_TEAM_ID, type RecordedCall, type SlackFake } from '../support/slack-fake.ts';
import { rowsOf } from '../support/test-database.ts';

export const DAY = 86_400_000;

/**
 * startHarness, and then wait for the auth.test Bolt's App constructor fires without
 * awaiting: these tests may never send Bolt a request, and closing the fake before that
 * call lands leaves Bolt with an unhandled rejection.
 */
export const startReminderHarness = async (options: HarnessOptions = {}): Promise<Harness> => {
  const h = await startHarness(options);
  await h.waitFor(() => h.fake.callsTo('auth.test').length > 0);
  await new Promise((resolve) => setTimeout(resolve, 20));
  return h;
};
export const MINUTE = 60_000;

/** Puts a person into the fake Slack and links them to a Tokendesk user, as a first interaction would. */
export const slackPerson = async (
  h: Pick<Harness, 'fake' | 'services'>,
  person: { slackUserId: string; email: string; name?: string; isBot?: boolean; deleted?: boolean },
  role: 'admin' | 'member' = 'member',
) => {
  h.fake.addUser({
    id: person.slackUserId,
    teamId: FAKE_TEAM_ID,
    email: person.email,
    name: person.email.split('@')[0],
    ...(person.name ? { realName: person.name } : {}),
  });
  const resolved = await h.services.users.resolveSlackUser(
    { teamId: FAKE_TEAM_ID, slackUserId: person.slackUserId, enterpriseId: null },
    async () => ({ email: person.email, name: person.name, isBot: false, deleted: false }),
  );
  if (!resolved.ok) throw new Error(`could not link ${person.email}: ${resolved.reason}`);
  if (role === 'admin') await h.services.users.grantAdmin(OPERATOR, resolved.user.id);
  // Turn the Slack account into a bot or deactivate it only now: linking needed a live person.
  if (person.isBot || person.deleted) {
    h.fake.addUser({
      id: person.slackUserId,
      teamId: FAKE_TEAM_ID,
      email: person.email,
      isBot: person.isBot ?? false,
      deleted: person.deleted ?? false,
    });
  }
  return resolved.user;
};

/** A Tokendesk user with no Slack account linked. */
export const offSlackUser = async (h: Pick<Harness, 'services'>, email: string) =>
  (await h.services.users.addUser(OPERATOR, { email })).user;

export const newToken = async (
  h: Pick<Harness, 'services'>,
  ownerId: string,
  options: { name?: string; days: number },
) =>
  h.services.tokens.generate(OPERATOR, {
    ownerId,
    name: options.name ?? 'CI deploy',
    expiry: { inDays: options.days },
  });

const isDm = (call: RecordedCall) => /^D/.test(String(call.args.channel ?? ''));

/** Messages Slack accepted into DM channels (optionally only those naming a token). */
export const dmsAt = (fake: SlackFake, tokenId?: string): RecordedCall[] =>
  fake
    .callsTo('chat.postMessage')
    .filter((c) => !c.error && isDm(c))
    .filter((c) => tokenId === undefined || JSON.stringify(c.args).includes(tokenId));

/** Messages Slack accepted into a given channel. */
export const postsIn = (fake: SlackFake, channel: string): RecordedCall[] =>
  fake.callsTo('chat.postMessage').filter((c) => !c.error && c.args.channel === channel);

/** The buttons of a recorded message. */
export const buttonsOf = (call: RecordedCall | undefined): { action_id: string; value?: string }[] =>
  ((call?.args.blocks ?? []) as { elements?: { action_id: string; value?: string }[] }[]).flatMap(
    (b) => b.elements ?? [],
  );

export const textOf = (call: RecordedCall): string =>
  `${String(call.args.text)} ${JSON.stringify(call.args.blocks)}`;

export const deliveryRows = async (handle: DatabaseHandle, tokenId?: string) =>
  rowsOf<{ token_id: string; kind: string; status: string; attempts: number; last_error: string | null }>(
    await handle.db.execute(
      tokenId === undefined
        ? sql`select token_id, kind, status, attempts, last_error from reminder_deliveries order by token_id, kind`
        : sql`select token_id, kind, status, attempts, last_error from reminder_deliveries where token_id = ${tokenId} order by kind`,
    ),
  );

/** Rows whose lease is still running, by the database's clock (the one leases are timed by). */
export const liveLeases = async (handle: DatabaseHandle): Promise<number> =>
  rowsOf<{ n: number }>(
    await handle.db.execute(
      sql`select count(*)::int as n from reminder_deliveries where claimed_until >= now()`,
    ),
  )[0]?.n ?? 0;

/** Waits (in real time) until every lease has run out by the database's clock. */
export const leasesLapsed = async (handle: DatabaseHandle, timeoutMs = 15_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while ((await liveLeases(handle)) > 0) {
    if (Date.now() > deadline) throw new Error('leases did not run out in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
};

export const auditActions = async (handle: DatabaseHandle, action: string) =>
  rowsOf<{ id: number; token_id: string | null; details: Record<string, unknown> }>(
    await handle.db.execute(
      sql`select id, token_id, details from audit_events where action = ${action} order by id`,
    ),
  );
