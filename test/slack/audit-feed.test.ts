import { sql } from 'drizzle-orm';
import { afterEach, describe, expect, test } from 'vitest';
import { OPERATOR } from '../../src/shared/actor.ts';
import { ManualClock } from '../../src/shared/clock.ts';
import { DAY, newToken, postsIn, slackPerson, startReminderHarness } from '../reminders/reminder-support.ts';
import type { Harness } from '../support/app-harness.ts';
import type { RecordedCall } from '../support/slack-fake.ts';
import { validateBlockKit } from '../support/slack-fake.ts';
import { engineName, rowsOf } from '../support/test-database.ts';

const ADMIN_CHANNEL = 'C0ADMINS01';
const START = '2026-02-02T10:00:00Z';

const eventIdsIn = (calls: RecordedCall[]) =>
  calls.flatMap((c) => [...JSON.stringify(c.args.blocks).matchAll(/`#(\d+)`/g)].map((m) => Number(m[1])));

describe(`the audit feed in the admin channel on ${engineName()}`, () => {
  let h: Harness;
  let clock: ManualClock;
  afterEach(async () => h?.close());

  const start = async (env: Record<string, string> = { ADMIN_CHANNEL_ID: ADMIN_CHANNEL }) => {
    clock = new ManualClock(START);
    h = await startReminderHarness({ clock, env });
  };
  const eventIds = async () =>
    rowsOf<{ id: number }>(await h.handle.db.execute(sql`select id from audit_events order by id`)).map((r) =>
      Number(r.id),
    );

  test('posts every audit event once, in order, without any secret', async () => {
    await start();
    const owner = await slackPerson(h, { slackUserId: 'U0OWNER001', email: 'owner@example.com' });
    const generated = [];
    for (let i = 0; i < 25; i++) generated.push(await newToken(h, owner.id, { name: `svc ${i}`, days: 90 }));
    await h.services.tokens.revoke(OPERATOR, generated[0]!.summary.id, 'leaked in a log');

    const first = await h.app.runAuditFeed();
    const second = await h.app.runAuditFeed();
    const posts = postsIn(h.fake, ADMIN_CHANNEL);
    expect(eventIdsIn(posts)).toEqual(await eventIds());
    expect(first).toMatchObject({ posted: (await eventIds()).length });
    expect(second).toMatchObject({ posted: 0, messages: 0 });
    // Batched: a burst of events is a few messages, not one per event.
    expect(posts.length).toBeLessThan(5);
    const everything = JSON.stringify(posts.map((p) => p.args));
    expect(everything).toContain('token.generated');
    expect(everything).toContain('leaked in a log');
    for (const { token } of generated) {
      expect(everything).not.toContain(token);
      expect(everything).not.toContain(token.slice(16, 38));
    }
    for (const post of posts) expect(validateBlockKit('message', post.args)).toEqual([]);
  });

  test('a later event is posted by a later round, and nothing twice', async () => {
    await start();
    const owner = await slackPerson(h, { slackUserId: 'U0OWNER001', email: 'owner@example.com' });
    await h.app.runAuditFeed();
    const before = eventIdsIn(postsIn(h.fake, ADMIN_CHANNEL));
    const { summary } = await newToken(h, owner.id, { days: 30 });
    await h.app.runAuditFeed();
    const after = eventIdsIn(postsIn(h.fake, ADMIN_CHANNEL));
    expect(after.slice(0, before.length)).toEqual(before);
    expect(after).toEqual(await eventIds());
    expect(JSON.stringify(postsIn(h.fake, ADMIN_CHANNEL).at(-1)?.args.blocks)).toContain(summary.id);
  });

  test('a Slack failure is retried after backoff and the batch is still posted once', async () => {
    await start();
    await slackPerson(h, { slackUserId: 'U0OWNER001', email: 'owner@example.com' });
    h.fake.failNext('chat.postMessage', { status: 503 });
    expect(await h.app.runAuditFeed()).toMatchObject({ posted: 0, retried: (await eventIds()).length });
    await h.app.runAuditFeed();
    expect(postsIn(h.fake, ADMIN_CHANNEL)).toHaveLength(0);
    clock.advance(31_000);
    await h.app.runAuditFeed();
    await h.app.runAuditFeed();
    expect(eventIdsIn(postsIn(h.fake, ADMIN_CHANNEL))).toEqual(await eventIds());
  });

  test('a feed switched on later does not replay old history', async () => {
    await start();
    await slackPerson(h, { slackUserId: 'U0OWNER001', email: 'owner@example.com' });
    const old = await eventIds();
    clock.advance(2 * DAY);
    await h.services.users.addUser(OPERATOR, { email: 'new@example.com' });
    await h.app.runAuditFeed();
    const posted = eventIdsIn(postsIn(h.fake, ADMIN_CHANNEL));
    expect(posted.length).toBe(1);
    expect(old).not.toContain(posted[0]);
  });

  test('without ADMIN_CHANNEL_ID there is no feed', async () => {
    await start({});
    await slackPerson(h, { slackUserId: 'U0OWNER001', email: 'owner@example.com' });
    expect(await h.app.runAuditFeed()).toBeUndefined();
    expect(h.fake.callsTo('chat.postMessage')).toHaveLength(0);
  });
});
