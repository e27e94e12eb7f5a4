import { sql } from 'drizzle-orm';
import { beforeAll, describe, expect, test } from 'vitest';
import type { DatabaseHandle } from '../../src/db/client.ts';
import { explainSweep, seedActiveTokens } from '../../src/reminders/sweep-benchmark.ts';
import { OPERATOR } from '../../src/shared/actor.ts';
import { makeServices } from '../support/services.ts';
import { engineName, getTestDatabase, rowsOf } from '../support/test-database.ts';

const NOW = new Date('2026-01-01T00:00:00Z');
const COUNT = 100_000;

describe(`the sweep over ${COUNT} active tokens on ${engineName()}`, () => {
  let handle: DatabaseHandle;
  let plans: Awaited<ReturnType<typeof explainSweep>>;

  beforeAll(async () => {
    handle = await getTestDatabase();
    const s = makeServices(handle);
    const { user } = await s.users.addUser(OPERATOR, { email: 'owner@example.com' });
    await seedActiveTokens(handle.db, { count: COUNT, ownerId: user.id, now: NOW });
    plans = await explainSweep(handle.db, NOW, [30, 7, 1]);
  });

  test('seeding puts 100k active, argon2-looking tokens in place in one statement', async () => {
    const [row] = rowsOf<{ n: number; hashes: number }>(
      await handle.db.execute(
        sql`select count(*)::int as n, count(*) filter (where secret_hash like '$argon2id$%')::int as hashes
            from api_tokens where revoked_at is null and expires_at > ${NOW.toISOString()}::timestamptz`,
      ),
    );
    expect(row).toEqual({ n: COUNT, hashes: COUNT });
  });

  test('scheduling reads api_tokens through the partial expiry index, never a sequential scan', () => {
    expect(plans.schedule).toContain('api_tokens_active_expiry_idx');
    expect(plans.schedule).not.toMatch(/Seq Scan on api_tokens/);
  });

  test('loading the claimed tokens goes by primary key', () => {
    expect(plans.tokens).toContain('api_tokens_pkey');
    expect(plans.tokens).not.toMatch(/Seq Scan on api_tokens/);
  });

  test('once thousands of reminders are pending, claiming reads them through the pending index', async () => {
    const s = makeServices(handle);
    const scheduled = await s.repos.reminders.schedule(handle.db, NOW, [30, 7, 1]);
    // About a twelfth of a year's expiries fall within the 30-day window.
    expect(scheduled).toBeGreaterThan(COUNT / 15);
    expect(scheduled).toBeLessThan(COUNT / 10);
    await handle.db.execute(sql`analyze reminder_deliveries`);
    const after = await explainSweep(handle.db, NOW, [30, 7, 1]);
    expect(after.claim).toContain('reminder_deliveries_pending_idx');
    expect(after.claim).not.toMatch(/Seq Scan/);
    expect(after.schedule).not.toMatch(/Seq Scan on api_tokens/);
  });
});
