import { sql } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { type DatabaseHandle, openDatabase } from '../../src/db/client.ts';
import { seedActiveTokens } from '../../src/reminders/sweep-benchmark.ts';
import { OPERATOR } from '../../src/shared/actor.ts';
import {
  createRevocationBus,
  databaseFeed,
  REVOCATION_CHANNEL,
  type RevocationBusDeps,
  type RevocationFeed,
} from '../../src/verification/revocation-bus.ts';
import { makeServices } from '../support/services.ts';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.ts';
import { engineName, getTestDatabase, serverUrl } from '../support/test-database.ts';
import { captureLogs, memberWithToken, sleep, within } from './fixtures.ts';

let channelCount = 0;

describe(`the revocation bus on ${engineName()}`, () => {
  let handle: DatabaseHandle;
  /** A second connection to the same database (PGlite has only one: the same handle). */
  let other: DatabaseHandle;
  let channel: string;
  const cleanups: Array<() => Promise<void>> = [];

  const makeBus = async (
    on: DatabaseHandle | RevocationFeed,
    options: Partial<
      Pick<RevocationBusDeps, 'heartbeatMs' | 'staleAfterMs' | 'newSenderMarginMs' | 'channel'>
    > = {},
  ) => {
    const revoked: string[] = [];
    const owners: string[] = [];
    const messages: number[] = [];
    const state = { interruptions: 0 };
    const logs = captureLogs();
    const feed = 'announce' in on ? on : databaseFeed(on);
    const bus = createRevocationBus({
      feed: {
        listen: (c, onMessage) =>
          feed.listen(c, (payload) => {
            messages.push(JSON.parse(payload).ids?.length ?? -1);
            onMessage(payload);
          }),
        announce: (c, ids) => feed.announce(c, ids),
      },
      channel,
      onRevoked: (ids) => revoked.push(...ids),
      onOwnersDeactivated: (ids) => owners.push(...ids),
      onFeedInterrupted: () => {
        state.interruptions++;
      },
      logger: logs.logger,
      heartbeatMs: 100,
      ...options,
    });
    await bus.start();
    cleanups.push(() => bus.stop());
    return { bus, revoked, owners, messages, state, logs };
  };
  /** Announces through the database, as the triggers do. */
  const announce = (ids: string[], via: DatabaseHandle = handle) => databaseFeed(via).announce(channel, ids);
  const raw = (payload: unknown) =>
    handle.notify(channel, typeof payload === 'string' ? payload : JSON.stringify(payload));

  beforeEach(async () => {
    handle = await getTestDatabase();
    channel = `revocations_${process.env.VITEST_POOL_ID ?? '0'}_${channelCount++}`;
    other = serverUrl() ? await openDatabase(handle.url) : handle;
    if (other !== handle) cleanups.push(() => other.close());
  });
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  test('a revocation announced through one connection reaches a bus on another within a second', async () => {
    const a = await makeBus(handle);
    const b = await makeBus(other);
    await announce(['AAAAAAAAAAAA', 'BBBBBBBBBBBB']);
    const elapsed = await within(1000, () => b.revoked.length === 2);
    expect(b.revoked).toEqual(['AAAAAAAAAAAA', 'BBBBBBBBBBBB']);
    expect(elapsed).toBeLessThan(1000);
    await within(1000, () => a.revoked.length === 2);
  });

  test('heartbeats of several instances share one gapless numbering: no false alarm', async () => {
    const a = await makeBus(handle, { heartbeatMs: 20 });
    const b = await makeBus(other, { heartbeatMs: 20 });
    const before = [a.state.interruptions, b.state.interruptions];
    await sleep(600);
    await announce(['AAAAAAAAAAAA']);
    await within(1000, () => a.revoked.length === 1 && b.revoked.length === 1);
    expect(a.messages.length).toBeGreaterThan(20);
    expect([a.state.interruptions, b.state.interruptions]).toEqual(before);
  });

  describe('what the database announces by itself (triggers)', () => {
    beforeEach(() => {
      channel = REVOCATION_CHANNEL;
    });

    test('a token revoked by plain SQL is announced when, and only when, its transaction commits', async () => {
      const s = makeServices(handle);
      const { summary } = await memberWithToken(s);
      const b = await makeBus(other, { heartbeatMs: 60_000 });
      await handle.db.transaction(async (tx) => {
        await tx.execute(sql`update api_tokens set revoked_at = now() where id = ${summary.id}`);
        await sleep(200);
        expect(b.revoked).toEqual([]);
      });
      const elapsed = await within(1000, () => b.revoked.length === 1);
      expect(b.revoked).toEqual([summary.id]);
      expect(elapsed).toBeLessThan(1000);
    });

    test('a revoke that rolls back announces nothing and leaves no gap behind', async () => {
      const s = makeServices(handle);
      const first = await memberWithToken(s, 'first@example.com');
      const second = await memberWithToken(s, 'second@example.com');
      const b = await makeBus(other, { heartbeatMs: 60_000 });
      await within(1000, () => b.messages.length === 1); // its first heartbeat: it knows the number
      const before = b.state.interruptions;
      await expect(
        handle.db.transaction(async (tx) => {
          await tx.execute(sql`update api_tokens set revoked_at = now() where id = ${first.summary.id}`);
          throw new Error('changed my mind');
        }),
      ).rejects.toThrow('changed my mind');
      await s.tokens.revoke(OPERATOR, second.summary.id);
      await within(1000, () => b.revoked.length === 1);
      await sleep(100);
      expect(b.revoked).toEqual([second.summary.id]);
      expect(b.state.interruptions).toBe(before);
    });

    test('a thousand tokens revoked in one statement arrive in messages Postgres accepts', async () => {
      const s = makeServices(handle);
      const { user } = await memberWithToken(s);
      await seedActiveTokens(handle.db, { count: 1000, ownerId: user.id, now: s.clock.now() });
      const b = await makeBus(other, { heartbeatMs: 60_000 });
      await s.users.deactivateUser(OPERATOR, user.id, 'test');
      await within(3000, () => b.revoked.length === 1001);
      expect(new Set(b.revoked).size).toBe(1001);
      // 1001 ids in three messages, and the deactivation in one more.
      expect(b.messages.filter((n) => n > 0)).toEqual([400, 400, 201]);
      expect(b.owners).toEqual([user.id]);
    });

    test('a user deactivated by plain SQL is announced as an owner whose tokens all stop', async () => {
      const s = makeServices(handle);
      const { user } = await memberWithToken(s);
      const b = await makeBus(other, { heartbeatMs: 60_000 });
      await handle.db.execute(sql`update users set deactivated_at = now() where id = ${user.id}`);
      await within(1000, () => b.owners.length === 1);
      expect(b.owners).toEqual([user.id]);
      expect(b.revoked).toEqual([]);
    });

    test('updates that stop no token (last-used bookkeeping, a role change) announce nothing', async () => {
      const s = makeServices(handle);
      const { user, summary } = await memberWithToken(s);
      const b = await makeBus(other, { heartbeatMs: 60_000 });
      await within(1000, () => b.messages.length === 1); // its first heartbeat
      await s.repos.tokens.touchLastUsed(handle.db, [{ id: summary.id, at: new Date(), ip: '192.0.2.1' }]);
      await s.users.grantAdmin(OPERATOR, user.id);
      await sleep(200);
      expect(b.messages).toEqual([0]);
    });
  });

  test("a jump in a sender's sequence means messages were missed, and the cache is cleared", async () => {
    const b = await makeBus(other, { heartbeatMs: 60_000 });
    const before = b.state.interruptions;
    await raw({ i: 'forged', s: 1, u: 0, ids: [] });
    await raw({ i: 'forged', s: 2, u: 5, ids: [] });
    await sleep(100);
    expect(b.state.interruptions).toBe(before);
    await raw({ i: 'forged', s: 4, u: 10, ids: [] });
    await within(1000, () => b.state.interruptions === before + 1);
  });

  test('a message delivered twice is not mistaken for a gap', async () => {
    const b = await makeBus(other, { heartbeatMs: 60_000 });
    const before = b.state.interruptions;
    for (const s of [1, 2, 2, 1, 3]) await raw({ i: 'twice', s, u: s, ids: [] });
    await sleep(150);
    expect(b.state.interruptions).toBe(before);
  });

  test('a sender met mid-sequence is a gap only if it started after this bus was listening', async () => {
    const b = await makeBus(other, { heartbeatMs: 60_000, newSenderMarginMs: 0 });
    await sleep(50);
    const before = b.state.interruptions;
    await raw({ i: 'elder', s: 9, u: 3_600_000, ids: [] });
    await sleep(100);
    expect(b.state.interruptions).toBe(before);
    await raw({ i: 'newcomer', s: 4, u: 0, ids: [] });
    await within(1000, () => b.state.interruptions === before + 1);
  });

  test('an unreadable message clears the cache rather than being ignored', async () => {
    const b = await makeBus(other, { heartbeatMs: 60_000 });
    const before = b.state.interruptions;
    await raw('["AAAAAAAAAAAA"]');
    await within(1000, () => b.state.interruptions === before + 1);
    await raw({ i: 'x', s: 1, u: 0, ids: ['<script>'] });
    await within(1000, () => b.state.interruptions === before + 2);
    expect(b.revoked).toEqual([]);
  });

  test('when nothing arrives the feed counts as lost until messages flow again', async () => {
    let muted = false;
    const real = databaseFeed(other);
    const flaky: RevocationFeed = {
      listen: (c, fn) => real.listen(c, fn),
      announce: async (c, ids) => {
        if (muted) throw new Error('connection refused');
        await real.announce(c, ids);
      },
    };
    const b = await makeBus(flaky, { heartbeatMs: 50, staleAfterMs: 300 });
    await within(1000, () => b.bus.isLive());
    const before = b.state.interruptions;
    muted = true;
    await within(2000, () => b.state.interruptions === before + 1);
    expect(b.bus.isLive()).toBe(false);
    expect(b.logs.lines.join('\n')).toContain('caching off until it recovers');
    muted = false;
    await within(2000, () => b.state.interruptions === before + 2);
    expect(b.bus.isLive()).toBe(true);
  });

  describe('over a connection that drops', () => {
    let proxy: TcpProxy | undefined;
    afterEach(async () => {
      await proxy?.close();
      proxy = undefined;
    });

    test.skipIf(!serverUrl())(
      'postgres.js listens again by itself, and a revocation missed meanwhile clears the cache',
      async () => {
        const upstream = new URL(handle.url);
        proxy = await startTcpProxy({ host: upstream.hostname, port: Number(upstream.port || 5432) });
        const viaProxy = await openDatabase(proxy.rewrite(handle.url));
        cleanups.push(() => viaProxy.close());
        await makeBus(handle, { heartbeatMs: 100 }); // another instance, beating
        // A long staleness limit: only the sequence check can notice what was missed.
        const b = await makeBus(viaProxy, { heartbeatMs: 100, staleAfterMs: 60_000 });
        await sleep(300);
        const before = b.state.interruptions;
        proxy.cut();
        await announce(['MISSEDMISSED']);
        await sleep(300);
        proxy.restore();
        await within(5000, () => b.state.interruptions > before);
        expect(b.revoked).not.toContain('MISSEDMISSED');
        await announce(['ARRIVEDAFTER']);
        await within(5000, () => b.revoked.includes('ARRIVEDAFTER'));
      },
    );
  });
});
