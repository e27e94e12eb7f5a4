import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { type DatabaseHandle, openDatabase } from '../../src/db/client.ts';
import { createRevocationBus, type RevocationBusDeps } from '../../src/verification/revocation-bus.ts';
import { engineName, getTestDatabase, serverUrl } from '../support/test-database.ts';
import { captureLogs, sleep, within } from './fixtures.ts';
import { startTcpProxy, type TcpProxy } from './tcp-proxy.ts';

let channelCount = 0;

describe(`the revocation bus on ${engineName()}`, () => {
  let handle: DatabaseHandle;
  /** A second connection to the same database (PGlite has only one: the same handle). */
  let other: DatabaseHandle;
  let channel: string;
  const cleanups: Array<() => Promise<void>> = [];

  const makeBus = async (
    on: Pick<DatabaseHandle, 'listen' | 'notify'>,
    options: Partial<Pick<RevocationBusDeps, 'heartbeatMs' | 'staleAfterMs' | 'newSenderMarginMs'>> = {},
  ) => {
    const revoked: string[] = [];
    const state = { interruptions: 0 };
    const logs = captureLogs();
    const bus = createRevocationBus({
      handle: on,
      channel,
      onRevoked: (ids) => revoked.push(...ids),
      onFeedInterrupted: () => {
        state.interruptions++;
      },
      logger: logs.logger,
      heartbeatMs: 100,
      ...options,
    });
    await bus.start();
    cleanups.push(() => bus.stop());
    return { bus, revoked, state, logs };
  };
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

  test('a revocation published through one connection reaches a bus on another within a second', async () => {
    const a = await makeBus(handle);
    const b = await makeBus(other);
    await a.bus.publish(['AAAAAAAAAAAA', 'BBBBBBBBBBBB']);
    const elapsed = await within(1000, () => b.revoked.length === 2);
    expect(b.revoked).toEqual(['AAAAAAAAAAAA', 'BBBBBBBBBBBB']);
    expect(elapsed).toBeLessThan(1000);
    await within(1000, () => a.revoked.length === 2);
  });

  test('a thousand ids are split into messages Postgres accepts and all arrive', async () => {
    const b = await makeBus(other);
    const a = await makeBus(handle);
    const ids = Array.from({ length: 1000 }, (_, i) => `id${String(i).padStart(10, '0')}`);
    await a.bus.publish(ids);
    await within(2000, () => b.revoked.length === 1000);
    expect(b.revoked).toEqual(ids);
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
    const flaky: Pick<DatabaseHandle, 'listen' | 'notify'> = {
      listen: (c, fn) => other.listen(c, fn),
      notify: async (c, p) => {
        if (muted) throw new Error('connection refused');
        await other.notify(c, p);
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
        proxy = await startTcpProxy(handle.url);
        const viaProxy = await openDatabase(proxy.url);
        cleanups.push(() => viaProxy.close());
        const a = await makeBus(handle, { heartbeatMs: 100 });
        // A long staleness limit: only the sequence check can notice what was missed.
        const b = await makeBus(viaProxy, { heartbeatMs: 100, staleAfterMs: 60_000 });
        await sleep(300);
        const before = b.state.interruptions;
        proxy.cut();
        await a.bus.publish(['MISSEDMISSED']);
        await sleep(300);
        proxy.restore();
        await within(5000, () => b.state.interruptions > before);
        expect(b.revoked).not.toContain('MISSEDMISSED');
        await a.bus.publish(['ARRIVEDAFTER']);
        await within(5000, () => b.revoked.includes('ARRIVEDAFTER'));
      },
    );
  });
});
