import { beforeEach, describe, expect, test } from 'vitest';
import type { DatabaseHandle } from '../../src/db/client.ts';
import { OPERATOR } from '../../src/shared/actor.ts';
import { createLastUsedRecorder, type TokenUse } from '../../src/verification/last-used-recorder.ts';
import { makeServices, type TestServices } from '../support/services.ts';
import { engineName, getTestDatabase } from '../support/test-database.ts';
import { captureLogs, memberWithToken } from './fixtures.ts';

const MINUTE = 60_000;

describe(`last-used bookkeeping on ${engineName()}`, () => {
  let handle: DatabaseHandle;
  let s: TestServices;
  let writes: TokenUse[][];
  let failNext: boolean;
  let logs: ReturnType<typeof captureLogs>;

  const recorder = () =>
    createLastUsedRecorder({
      write: async (uses) => {
        if (failNext) {
          failNext = false;
          throw new Error('connection refused');
        }
        writes.push(uses);
        await s.repos.tokens.touchLastUsed(handle.db, uses);
      },
      nowMs: () => s.clock.now().getTime(),
      logger: logs.logger,
    });
  const lastUsedOf = async (id: string) => {
    const token = await s.tokens.get(OPERATOR, id);
    return { at: token.lastUsedAt?.toISOString() ?? null, ip: token.lastUsedIp };
  };
  const use = (id: string, ip = '203.0.113.7'): TokenUse => ({ id, at: s.clock.now(), ip });

  beforeEach(async () => {
    handle = await getTestDatabase();
    s = makeServices(handle);
    writes = [];
    failNext = false;
    logs = captureLogs();
  });

  test('a hundred uses of one token within a minute cost one write, and the latest use is kept', async () => {
    const { summary } = await memberWithToken(s);
    const r = recorder();
    r.record(use(summary.id, '203.0.113.1'));
    expect(await r.flushDue()).toBe(1);
    for (let i = 0; i < 100; i++) {
      s.clock.advance(500);
      r.record(use(summary.id, `203.0.113.${(i % 200) + 2}`));
      expect(await r.flushDue()).toBe(0);
    }
    expect(writes).toHaveLength(1);
    s.clock.advance(10_000); // a minute after the first write
    expect(await r.flushDue()).toBe(1);
    expect(writes).toHaveLength(2);
    expect(await lastUsedOf(summary.id)).toEqual({
      at: new Date(s.clock.now().getTime() - 10_000).toISOString(),
      ip: '203.0.113.101',
    });
  });

  test('uses of many tokens are written together in one batch', async () => {
    const a = await memberWithToken(s, 'a@example.com');
    const b = await memberWithToken(s, 'b@example.com');
    const c = await memberWithToken(s, 'c@example.com');
    const r = recorder();
    for (const t of [a, b, c]) r.record(use(t.summary.id));
    expect(await r.flushDue()).toBe(3);
    expect(writes).toHaveLength(1);
    expect(writes[0]!.map((u) => u.id).sort()).toEqual([a, b, c].map((t) => t.summary.id).sort());
    for (const t of [a, b, c]) expect((await lastUsedOf(t.summary.id)).ip).toBe('203.0.113.7');
  });

  test('stopping writes what is pending even if it is not due yet', async () => {
    const { summary } = await memberWithToken(s);
    const r = recorder();
    r.record(use(summary.id));
    await r.flushDue();
    s.clock.advance(5_000);
    r.record(use(summary.id, '198.51.100.9'));
    expect(await r.flushDue()).toBe(0);
    await r.stop();
    expect(await lastUsedOf(summary.id)).toEqual({ at: s.clock.now().toISOString(), ip: '198.51.100.9' });
    expect(r.pendingCount()).toBe(0);
  });

  test('a failed write keeps the uses for the next flush and is logged without failing anyone', async () => {
    const { summary } = await memberWithToken(s);
    const r = recorder();
    r.record(use(summary.id));
    failNext = true;
    expect(await r.flushDue()).toBe(0);
    expect(logs.lines.join('\n')).toContain('will retry');
    expect(await r.flushDue()).toBe(1);
    expect((await lastUsedOf(summary.id)).at).toBe(s.clock.now().toISOString());
  });

  test('a write never moves the last-used time backwards, and the latest of duplicates wins', async () => {
    const { summary } = await memberWithToken(s);
    const t = s.clock.now().getTime();
    const id = summary.id;
    await s.repos.tokens.touchLastUsed(handle.db, [
      { id, at: new Date(t + 2 * MINUTE), ip: '192.0.2.2' },
      { id, at: new Date(t + MINUTE), ip: '192.0.2.1' },
    ]);
    expect(await lastUsedOf(id)).toEqual({ at: new Date(t + 2 * MINUTE).toISOString(), ip: '192.0.2.2' });
    await s.repos.tokens.touchLastUsed(handle.db, [{ id, at: new Date(t + MINUTE), ip: '192.0.2.3' }]);
    expect((await lastUsedOf(id)).ip).toBe('192.0.2.2');
    await s.repos.tokens.touchLastUsed(handle.db, []);
  });

  test('an unknown address is stored as unknown', async () => {
    const { summary } = await memberWithToken(s);
    const r = recorder();
    r.record({ id: summary.id, at: s.clock.now(), ip: null });
    await r.flushAll();
    expect(await lastUsedOf(summary.id)).toEqual({ at: s.clock.now().toISOString(), ip: null });
  });
});
