import { sql } from 'drizzle-orm';
import { beforeEach, describe, expect, test } from 'vitest';
import type { DatabaseHandle } from '../../src/db/client.ts';
import { OPERATOR, userActor } from '../../src/shared/actor.ts';
import { isAppError } from '../../src/shared/errors.ts';
import { addUser, makeServices, type TestServices } from '../support/services.ts';
import { engineName, getTestDatabase, rowsOf } from '../support/test-database.ts';

const DAY = 86_400_000;

describe(`token use-cases on ${engineName()}`, () => {
  let handle: DatabaseHandle;
  let s: TestServices;
  let admin: Awaited<ReturnType<typeof addUser>>;
  let member: Awaited<ReturnType<typeof addUser>>;

  beforeEach(async () => {
    handle = await getTestDatabase();
    s = makeServices(handle);
    admin = await addUser(s, 'Admin@Example.com', 'admin');
    member = await addUser(s, 'member@example.com');
  });

  const asAdmin = () => userActor(admin.id, 'test:admin');
  const asMember = () => userActor(member.id, 'test:member');

  test('generate returns a plaintext token once and stores only its argon2id hash', async () => {
    const { token, summary } = await s.tokens.generate(asAdmin(), { ownerId: member.id, name: 'CI deploy' });
    expect(token).toMatch(/^tdk_[A-Za-z0-9]{40}$/);
    expect(summary.name).toBe('CI deploy');
    expect(summary.status).toBe('active');
    const rows = rowsOf<{ secret_hash: string }>(
      await handle.db.execute(sql`select secret_hash from api_tokens`),
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]!.secret_hash.startsWith('$argon2id$')).toBe(true);
    const everything =
      JSON.stringify(rowsOf(await handle.db.execute(sql`select * from api_tokens`))) +
      JSON.stringify(rowsOf(await handle.db.execute(sql`select * from audit_events`)));
    expect(everything).not.toContain(token);
    expect(everything).not.toContain(token.slice(16, 38));
  });

  test('the expiry defaults to 90 days and is capped by the maximum lifetime', async () => {
    const now = s.clock.now().getTime();
    const { summary } = await s.tokens.generate(asAdmin(), { ownerId: member.id });
    expect(summary.expiresAt.getTime() - now).toBe(90 * DAY);
    await expect(
      s.tokens.generate(asAdmin(), { ownerId: member.id, expiry: { inDays: 366 } }),
    ).rejects.toMatchObject({ code: 'tokens.invalid_expiry' });
    const { summary: year } = await s.tokens.generate(asAdmin(), {
      ownerId: member.id,
      expiry: { inDays: 365 },
    });
    expect(year.expiresAt.getTime() - now).toBe(365 * DAY);
  });

  test('an expiry date means valid through that whole UTC day; past dates are refused', async () => {
    const { summary } = await s.tokens.generate(asAdmin(), {
      ownerId: member.id,
      expiry: { onDate: '2026-07-01' },
    });
    expect(summary.expiresAt.toISOString()).toBe('2026-07-02T00:00:00.000Z');
    await expect(
      s.tokens.generate(asAdmin(), { ownerId: member.id, expiry: { onDate: '2026-05-31' } }),
    ).rejects.toMatchObject({ code: 'tokens.invalid_expiry' });
    await expect(
      s.tokens.generate(asAdmin(), { ownerId: member.id, expiry: { onDate: '2026-02-30' } }),
    ).rejects.toMatchObject({ code: 'tokens.invalid_expiry' });
  });

  test('only admins generate tokens, and a refusal is audited', async () => {
    await expect(s.tokens.generate(asMember(), { ownerId: member.id })).rejects.toMatchObject({
      code: 'auth.forbidden',
    });
    const events = await s.audit.list(OPERATOR, { limit: 10 });
    expect(events[0]).toMatchObject({ action: 'auth.refused', actorId: member.id });
  });

  test('a demoted admin is refused at once', async () => {
    const second = await addUser(s, 'second@example.com', 'admin');
    await s.users.revokeAdmin(OPERATOR, second.id);
    await expect(
      s.tokens.generate(userActor(second.id, 'test'), { ownerId: member.id }),
    ).rejects.toMatchObject({ code: 'auth.forbidden' });
  });

  test('names are trimmed, defaulted and bounded', async () => {
    const a = await s.tokens.generate(asAdmin(), { ownerId: member.id, name: '   ' });
    expect(a.summary.name).toBe('API token');
    await expect(
      s.tokens.generate(asAdmin(), { ownerId: member.id, name: 'x'.repeat(65) }),
    ).rejects.toMatchObject({ code: 'tokens.invalid_name' });
    await expect(
      s.tokens.generate(asAdmin(), { ownerId: member.id, name: 'bad\u0000name' }),
    ).rejects.toMatchObject({ code: 'tokens.invalid_name' });
  });

  test('tokens cannot be generated for a deactivated user', async () => {
    await s.users.deactivateUser(OPERATOR, member.id, 'test');
    await expect(s.tokens.generate(asAdmin(), { ownerId: member.id })).rejects.toMatchObject({
      code: 'users.deactivated',
    });
  });

  test('list shows created, expiry, last used and status, and never a hash', async () => {
    const a = await s.tokens.generate(asAdmin(), { ownerId: member.id, name: 'one', expiry: { inDays: 1 } });
    s.clock.advance(1000);
    await s.tokens.generate(asAdmin(), { ownerId: member.id, name: 'two' });
    s.clock.advance(1000);
    const c = await s.tokens.generate(asAdmin(), { ownerId: member.id, name: 'three' });
    await s.tokens.revoke(asAdmin(), c.summary.id);
    s.clock.advance(2 * DAY);
    const { items, total } = await s.tokens.list(asAdmin(), { ownerId: member.id, limit: 10, offset: 0 });
    expect(total).toBe(3);
    expect(items.map((t) => [t.name, t.status])).toEqual([
      ['three', 'revoked'],
      ['two', 'active'],
      ['one', 'expired'],
    ]);
    expect(items[2]!.createdAt.toISOString()).toBe('2026-06-01T12:00:00.000Z');
    expect(items[2]!.expiresAt).toEqual(a.summary.expiresAt);
    expect(JSON.stringify(items)).not.toMatch(/argon2|secret/i);
  });

  test('members list their own tokens but not anyone else\u2019s', async () => {
    await s.tokens.generate(asAdmin(), { ownerId: member.id });
    const own = await s.tokens.list(asMember(), { ownerId: member.id, limit: 10, offset: 0 });
    expect(own.total).toBe(1);
    await expect(
      s.tokens.list(asMember(), { ownerId: admin.id, limit: 10, offset: 0 }),
    ).rejects.toMatchObject({
      code: 'auth.forbidden',
    });
    await expect(s.tokens.list(asMember(), { limit: 10, offset: 0 })).rejects.toMatchObject({
      code: 'auth.forbidden',
    });
  });

  test('list paginates with a total', async () => {
    for (let i = 0; i < 5; i++) {
      await s.tokens.generate(asAdmin(), { ownerId: member.id, name: `t${i}` });
      s.clock.advance(1000);
    }
    const page = await s.tokens.list(asAdmin(), { limit: 2, offset: 2 });
    expect(page.total).toBe(5);
    expect(page.items.map((t) => t.name)).toEqual(['t2', 't1']);
  });

  test('a revoked token no longer verifies, and a second revoke changes nothing and says so', async () => {
    const { token, summary } = await s.tokens.generate(asAdmin(), { ownerId: member.id });
    expect((await s.tokens.verify(token)).ok).toBe(true);
    const first = await s.tokens.revoke(asAdmin(), summary.id, 'leaked in a log');
    expect(first.outcome).toBe('revoked');
    expect(first.token.revokeReason).toBe('leaked in a log');
    const firstAt = first.token.revokedAt;
    s.clock.advance(5000);
    const second = await s.tokens.revoke(asAdmin(), summary.id, 'again');
    expect(second.outcome).toBe('already_revoked');
    expect(second.token.revokedAt).toEqual(firstAt);
    expect(second.token.revokeReason).toBe('leaked in a log');
    expect(await s.tokens.verify(token)).toEqual({ ok: false, reason: 'revoked', tokenId: summary.id });
    const revokes = (await s.audit.list(OPERATOR, { limit: 50 })).filter((e) => e.action === 'token.revoked');
    expect(revokes).toHaveLength(1);
  });

  test('two simultaneous revokes of one token: exactly one wins, one audit event', async () => {
    const { summary } = await s.tokens.generate(asAdmin(), { ownerId: member.id });
    const other = await addUser(s, 'other-admin@example.com', 'admin');
    const results = await Promise.all([
      s.tokens.revoke(asAdmin(), summary.id),
      s.tokens.revoke(userActor(other.id, 'test:other'), summary.id),
      s.tokens.revoke(asAdmin(), summary.id),
    ]);
    expect(results.map((r) => r.outcome).sort()).toEqual(['already_revoked', 'already_revoked', 'revoked']);
    const revokes = (await s.audit.list(OPERATOR, { limit: 50 })).filter((e) => e.action === 'token.revoked');
    expect(revokes).toHaveLength(1);
  });

  test('members may revoke their own tokens but not others\u2019', async () => {
    const own = await s.tokens.generate(asAdmin(), { ownerId: member.id });
    const others = await s.tokens.generate(asAdmin(), { ownerId: admin.id });
    expect((await s.tokens.revoke(asMember(), own.summary.id)).outcome).toBe('revoked');
    await expect(s.tokens.revoke(asMember(), others.summary.id)).rejects.toMatchObject({
      code: 'auth.forbidden',
    });
  });

  test('revoking an unknown id is a not-found error', async () => {
    await expect(s.tokens.revoke(asAdmin(), 'AAAAAAAAAAAA')).rejects.toMatchObject({
      code: 'tokens.not_found',
    });
    await expect(s.tokens.revoke(asAdmin(), "'; drop table users; --")).rejects.toMatchObject({
      code: 'tokens.not_found',
    });
  });

  test('verify tells malformed, unknown, revoked, expired and deactivated owners apart', async () => {
    const { token, summary } = await s.tokens.generate(asAdmin(), {
      ownerId: member.id,
      expiry: { inDays: 1 },
    });
    const ok = await s.tokens.verify(token);
    expect(ok).toMatchObject({ ok: true, user: { id: member.id, email: 'member@example.com' } });
    expect(await s.tokens.verify('nope')).toEqual({ ok: false, reason: 'malformed' });
    expect(await s.tokens.verify(`${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`)).toEqual({
      ok: false,
      reason: 'malformed',
    });
    // A well-formed token for an id that does not exist.
    const { formatToken } = await import('../../src/tokens/token-format.ts');
    const { cryptoRandom } = await import('../../src/shared/random.ts');
    expect(await s.tokens.verify(formatToken('ZZZZZZZZZZZZ', cryptoRandom))).toEqual({
      ok: false,
      reason: 'unknown',
    });
    // The right id with a different secret reads as unknown too.
    expect(await s.tokens.verify(formatToken(summary.id, cryptoRandom))).toEqual({
      ok: false,
      reason: 'unknown',
    });
    s.clock.advance(DAY);
    expect(await s.tokens.verify(token)).toMatchObject({ ok: false, reason: 'expired' });
    s.clock.advance(-DAY);
    await s.users.deactivateUser(OPERATOR, member.id, 'test');
    // Deactivation revokes every token (offboarding), so the reason seen is revoked.
    expect(await s.tokens.verify(token)).toMatchObject({ ok: false, reason: 'revoked' });
  });

  test('a deactivated owner’s token does not verify even if a revoke was missed', async () => {
    const { token } = await s.tokens.generate(asAdmin(), { ownerId: member.id });
    await handle.db.execute(sql`update users set deactivated_at = now() where id = ${member.id}`);
    expect(await s.tokens.verify(token)).toMatchObject({ ok: false, reason: 'owner_deactivated' });
  });

  test('every mutation writes its audit event', async () => {
    const { summary } = await s.tokens.generate(asAdmin(), { ownerId: member.id });
    await s.tokens.revoke(asAdmin(), summary.id, 'rotation');
    const actions = (await s.audit.list(OPERATOR, { limit: 50 })).map((e) => e.action);
    expect(actions.slice(0, 2)).toEqual(['token.revoked', 'token.generated']);
  });

  test('the audit write shares the transaction: a failing audit leaves no token behind', async () => {
    const failing = makeServices(handle, {
      clock: s.clock,
      onGenerated: async () => {
        throw new Error('boom');
      },
    });
    await expect(failing.tokens.generate(asAdmin(), { ownerId: member.id })).rejects.toThrow('boom');
    const rows = rowsOf(await handle.db.execute(sql`select id from api_tokens`));
    expect(rows).toHaveLength(0);
    const events = (await s.audit.list(OPERATOR, { limit: 50 })).filter(
      (e) => e.action === 'token.generated',
    );
    expect(events).toHaveLength(0);
  });

  test('errors carry codes that edges can translate', async () => {
    try {
      await s.tokens.generate(asAdmin(), { ownerId: '00000000-0000-0000-0000-000000000000' });
      expect.unreachable();
    } catch (error) {
      expect(isAppError(error, 'users.not_found')).toBe(true);
    }
  });
});
