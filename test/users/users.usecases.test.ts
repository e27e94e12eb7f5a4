/**
 * Users, admins and Slack identities: who is an admin (and that one always remains),
 * offboarding in one transaction, bootstrap lists, and mapping Slack users to users
 * exactly once even when first sights race.
 */
import { sql } from 'drizzle-orm';
import { beforeEach, describe, expect, test, vi } from 'vitest';
import type { AuditRepository } from '../../src/audit/audit.repository.ts';
import type { DatabaseHandle } from '../../src/db/client.ts';
import { OPERATOR, userActor } from '../../src/shared/actor.ts';
import { createUsersUseCases, type SlackProfile } from '../../src/users/users.usecases.ts';
import { addUser, makeServices, type TestServices } from '../support/services.ts';
import { engineName, getTestDatabase, rowsOf } from '../support/test-database.ts';

const TEAM = 'T0TEAM0001';
const key = (slackUserId: string, teamId = TEAM) => ({ teamId, slackUserId, enterpriseId: null });
const profile = (over: Partial<SlackProfile> = {}): SlackProfile => ({
  email: 'new.person@example.com',
  name: 'New Person',
  isBot: false,
  deleted: false,
  ...over,
});
const count = async (handle: DatabaseHandle, table: 'users' | 'slack_identities' | 'api_tokens') =>
  Number(
    rowsOf<{ n: number | string }>(
      await handle.db.execute(sql.raw(`select count(*)::int as n from ${table}`)),
    )[0]!.n,
  );

describe(`users and admins on ${engineName()}`, () => {
  let handle: DatabaseHandle;
  let s: TestServices;

  beforeEach(async () => {
    handle = await getTestDatabase();
    s = makeServices(handle);
  });

  const actions = async () => (await s.audit.list(OPERATOR, { limit: 100 })).map((e) => e.action);

  describe('users', () => {
    test('a new user is a member; the same e-mail in another case is the same user', async () => {
      const first = await s.users.addUser(OPERATOR, { email: ' Ann@Example.com ', name: ' Ann ' });
      expect(first).toMatchObject({
        created: true,
        user: { email: 'Ann@Example.com', displayName: 'Ann', role: 'member' },
      });
      const again = await s.users.addUser(OPERATOR, { email: 'ann@EXAMPLE.COM' });
      expect(again).toMatchObject({ created: false, user: { id: first.user.id, email: 'Ann@Example.com' } });
      expect(await count(handle, 'users')).toBe(1);
      expect((await s.users.getUserByEmail('ANN@example.com')).id).toBe(first.user.id);
      expect((await actions()).filter((a) => a === 'user.created')).toHaveLength(1);
    });

    test('the database itself refuses a second e-mail differing only in case', async () => {
      await s.users.addUser(OPERATOR, { email: 'ann@example.com' });
      await expect(
        handle.db.execute(sql`insert into users (email) values ('ANN@EXAMPLE.COM')`),
      ).rejects.toThrow();
    });

    test('an invalid e-mail is refused', async () => {
      for (const email of [
        '',
        'ann',
        'ann@',
        '@example.com',
        'ann@example',
        'a b@example.com',
        `${'a'.repeat(250)}@x.io`,
      ]) {
        await expect(s.users.addUser(OPERATOR, { email })).rejects.toMatchObject({
          code: 'users.invalid_email',
        });
      }
      expect(await count(handle, 'users')).toBe(0);
    });

    test('only admins manage users, and a refusal is audited', async () => {
      const member = await addUser(s, 'member@example.com');
      const asMember = userActor(member.id, 'test:member');
      await expect(s.users.addUser(asMember, { email: 'x@example.com' })).rejects.toMatchObject({
        code: 'auth.forbidden',
      });
      await expect(s.users.listUsers(asMember, { limit: 10, offset: 0 })).rejects.toMatchObject({
        code: 'auth.forbidden',
      });
      await expect(s.users.deactivateUser(asMember, member.id, 'test')).rejects.toMatchObject({
        code: 'auth.forbidden',
      });
      await expect(s.users.grantAdmin(asMember, member.id)).rejects.toMatchObject({ code: 'auth.forbidden' });
      const refusals = (await s.audit.list(OPERATOR, { limit: 10 })).filter(
        (e) => e.action === 'auth.refused',
      );
      expect(refusals.map((e) => e.details.attempted)).toEqual([
        'admins.grant',
        'users.deactivate',
        'users.list',
        'users.add',
      ]);
    });
  });

  describe('admins', () => {
    test('grant and revoke are audited and say whether anything changed', async () => {
      const ann = await addUser(s, 'ann@example.com');
      const bob = await addUser(s, 'bob@example.com', 'admin');
      expect(await s.users.grantAdmin(OPERATOR, ann.id)).toBe(true);
      expect(await s.users.grantAdmin(OPERATOR, ann.id)).toBe(false);
      expect((await s.users.listAdmins(OPERATOR)).map((u) => u.email)).toEqual([
        'ann@example.com',
        'bob@example.com',
      ]);
      expect(await s.users.revokeAdmin(userActor(bob.id, 'test:bob'), ann.id)).toBe(true);
      expect(await s.users.revokeAdmin(OPERATOR, ann.id)).toBe(false);
      const events = await s.audit.list(OPERATOR, { limit: 100 });
      expect(events.filter((e) => e.subjectUserId === ann.id).map((e) => [e.action, e.actorLabel])).toEqual([
        ['admin.revoked', 'test:bob'],
        ['admin.granted', 'operator:cli'],
        ['user.created', 'operator:cli'],
      ]);
    });

    test('the last admin cannot be demoted, even by the operator', async () => {
      const only = await addUser(s, 'only@example.com', 'admin');
      await expect(s.users.revokeAdmin(OPERATOR, only.id)).rejects.toMatchObject({
        code: 'users.last_admin',
      });
      await expect(s.users.revokeAdmin(userActor(only.id, 'self'), only.id)).rejects.toMatchObject({
        code: 'users.last_admin',
      });
      expect((await s.users.listAdmins(OPERATOR)).map((u) => u.id)).toEqual([only.id]);
    });

    test('the last admin who leaves is deactivated all the same, and the result says no admin remains', async () => {
      const only = await addUser(s, 'only@example.com', 'admin');
      const { token } = await s.tokens.generate(OPERATOR, { ownerId: only.id });
      const result = await s.users.deactivateUser(OPERATOR, only.id, 'test');
      expect(result).toMatchObject({ changed: true, noAdminLeft: true });
      expect(result.revoked).toHaveLength(1);
      expect(await s.tokens.verify(token)).toMatchObject({ ok: false, reason: 'revoked' });
      expect(await s.users.listAdmins(OPERATOR)).toEqual([]);
      const [notice] = rowsOf<{ no_admin_left: boolean }>(
        await handle.db.execute(sql`select no_admin_left from offboarding_notices`),
      );
      expect(notice).toEqual({ no_admin_left: true });
    });

    test('with a second admin, either may go, and only the second to go leaves no admin', async () => {
      const a = await addUser(s, 'a@example.com', 'admin');
      const b = await addUser(s, 'b@example.com', 'admin');
      expect(await s.users.deactivateUser(OPERATOR, a.id, 'test')).toMatchObject({ noAdminLeft: false });
      await expect(s.users.revokeAdmin(OPERATOR, b.id)).rejects.toMatchObject({ code: 'users.last_admin' });
    });

    test.each([2, 3])(
      '%i admins demoting each other at the same moment always leave at least one admin',
      async (n) => {
        for (let round = 0; round < 5; round++) {
          await getTestDatabase();
          const admins: Awaited<ReturnType<typeof addUser>>[] = [];
          for (let i = 0; i < n; i++)
            admins.push(await addUser(s, `admin${i}-${round}@example.com`, 'admin'));
          // Each admin demotes the next one, all at once.
          const results = await Promise.allSettled(
            admins.map((actor, i) =>
              s.users.revokeAdmin(userActor(actor.id, `test:${i}`), admins[(i + 1) % n]!.id),
            ),
          );
          // A loser is refused either as the last admin's demoter or, once demoted itself, as a non-admin.
          for (const r of results) {
            if (r.status === 'rejected')
              expect(['users.last_admin', 'auth.forbidden']).toContain(r.reason.code);
          }
          expect((await s.users.listAdmins(OPERATOR)).length).toBeGreaterThanOrEqual(1);
        }
      },
    );

    test('the operator demoting every admin at once leaves exactly one', async () => {
      const admins: Awaited<ReturnType<typeof addUser>>[] = [];
      for (let i = 0; i < 4; i++) admins.push(await addUser(s, `admin${i}@example.com`, 'admin'));
      const results = await Promise.allSettled(admins.map((a) => s.users.revokeAdmin(OPERATOR, a.id)));
      expect(results.filter((r) => r.status === 'rejected')).toHaveLength(1);
      expect(await s.users.listAdmins(OPERATOR)).toHaveLength(1);
    });

    test('every admin leaving at once: all are deactivated, and exactly one learns that none remains', async () => {
      const admins: Awaited<ReturnType<typeof addUser>>[] = [];
      for (let i = 0; i < 4; i++) admins.push(await addUser(s, `admin${i}@example.com`, 'admin'));
      const results = await Promise.all(admins.map((a) => s.users.deactivateUser(OPERATOR, a.id, 'test')));
      expect(results.map((r) => r.noAdminLeft).filter(Boolean)).toHaveLength(1);
      expect(await s.users.listAdmins(OPERATOR)).toEqual([]);
    });

    test('a deactivated user cannot be made an admin', async () => {
      await addUser(s, 'boss@example.com', 'admin');
      const gone = await addUser(s, 'gone@example.com');
      await s.users.deactivateUser(OPERATOR, gone.id, 'test');
      await expect(s.users.grantAdmin(OPERATOR, gone.id)).rejects.toMatchObject({
        code: 'users.deactivated',
      });
    });

    test('an unknown user id is not found', async () => {
      const nobody = '00000000-0000-0000-0000-000000000000';
      await expect(s.users.grantAdmin(OPERATOR, nobody)).rejects.toMatchObject({ code: 'users.not_found' });
      await expect(s.users.deactivateUser(OPERATOR, nobody, 'test')).rejects.toMatchObject({
        code: 'users.not_found',
      });
      await expect(s.users.getUserByEmail('nobody@example.com')).rejects.toMatchObject({
        code: 'users.not_found',
      });
    });
  });

  describe('deactivation (offboarding)', () => {
    test('revokes every active token, audits each, and tells listeners once it has committed', async () => {
      const onTokensRevoked = vi.fn();
      s = makeServices(handle, { onTokensRevoked });
      const admin = await addUser(s, 'admin@example.com', 'admin');
      const leaver = await addUser(s, 'leaver@example.com');
      const kept = await s.tokens.generate(OPERATOR, { ownerId: admin.id });
      const one = await s.tokens.generate(OPERATOR, { ownerId: leaver.id, name: 'one' });
      const two = await s.tokens.generate(OPERATOR, { ownerId: leaver.id, name: 'two' });
      const old = await s.tokens.generate(OPERATOR, { ownerId: leaver.id, name: 'old' });
      await s.tokens.revoke(OPERATOR, old.summary.id, 'rotation');
      onTokensRevoked.mockClear();

      const result = await s.users.deactivateUser(
        userActor(admin.id, 'test:admin'),
        leaver.id,
        'slack:user_change',
      );
      expect(result.changed).toBe(true);
      expect(result.user.deactivatedAt).toEqual(s.clock.now());
      expect(result.revoked.map((t) => t.id).sort()).toEqual([one.summary.id, two.summary.id].sort());
      expect(onTokensRevoked).toHaveBeenCalledTimes(1);
      expect((onTokensRevoked.mock.calls[0]![0] as string[]).sort()).toEqual(
        result.revoked.map((t) => t.id).sort(),
      );

      for (const t of [one, two, old])
        expect(await s.tokens.verify(t.token)).toMatchObject({ ok: false, reason: 'revoked' });
      expect((await s.tokens.verify(kept.token)).ok).toBe(true);
      const events = await s.audit.list(OPERATOR, { limit: 100 });
      const deactivated = events.find((e) => e.action === 'user.deactivated');
      expect(deactivated).toMatchObject({
        actorId: admin.id,
        subjectUserId: leaver.id,
        details: { source: 'slack:user_change' },
      });
      expect((deactivated!.details.revokedTokens as string[]).sort()).toEqual(
        result.revoked.map((t) => t.id).sort(),
      );
      const offboarded = events.filter(
        (e) => e.action === 'token.revoked' && e.details.reason === 'offboarding',
      );
      expect(offboarded.map((e) => e.tokenId).sort()).toEqual(result.revoked.map((t) => t.id).sort());
      // The old token keeps its original revocation.
      expect((await s.tokens.get(OPERATOR, old.summary.id)).revokeReason).toBe('rotation');
    });

    test('is one transaction: when a write fails, the user stays active and every token stays valid', async () => {
      const leaver = await addUser(s, 'leaver@example.com');
      const token = await s.tokens.generate(OPERATOR, { ownerId: leaver.id });
      const failingAudit: AuditRepository = {
        ...s.repos.audit,
        record: async (executor, event) => {
          if (event.action === 'token.revoked') throw new Error('audit store down');
          return s.repos.audit.record(executor, event);
        },
      };
      const onTokensRevoked = vi.fn();
      const users = createUsersUseCases({
        db: handle.db,
        clock: s.clock,
        users: s.repos.users,
        tokens: s.repos.tokens,
        audit: failingAudit,
        notices: s.repos.offboardingNotices,
        bootstrap: { adminEmails: [], adminSlackUserIds: [] },
        onTokensRevoked,
      });
      await expect(users.deactivateUser(OPERATOR, leaver.id, 'test')).rejects.toThrow('audit store down');
      expect((await s.users.getUser(leaver.id)).deactivatedAt).toBeNull();
      expect((await s.tokens.verify(token.token)).ok).toBe(true);
      expect(await actions()).not.toContain('user.deactivated');
      expect(onTokensRevoked).not.toHaveBeenCalled();
      // Nor is a notice left queued for a deactivation that never happened.
      expect(rowsOf(await handle.db.execute(sql`select id from offboarding_notices`))).toEqual([]);
    });

    test('a deactivation racing revokes (of its own tokens and of others) never deadlocks', async () => {
      for (let round = 0; round < 8; round++) {
        await getTestDatabase();
        const admin = await addUser(s, `admin${round}@example.com`, 'admin');
        const leaver = await addUser(s, `leaver${round}@example.com`);
        const other = await addUser(s, `other${round}@example.com`);
        const [mine1, mine2, theirs] = await Promise.all(
          [leaver, leaver, other].map((u) => s.tokens.generate(OPERATOR, { ownerId: u.id })),
        );
        const asAdmin = userActor(admin.id, 'test:admin');
        const results = await Promise.allSettled([
          s.tokens.revoke(asAdmin, mine1!.summary.id),
          s.users.deactivateUser(asAdmin, leaver.id, 'test'),
          s.tokens.revoke(asAdmin, theirs!.summary.id),
          s.tokens.revoke(OPERATOR, mine2!.summary.id),
        ]);
        expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
        for (const t of [mine1, mine2, theirs])
          expect(await s.tokens.verify(t!.token)).toMatchObject({ ok: false, reason: 'revoked' });
      }
    });

    test('deactivating twice changes nothing the second time', async () => {
      const leaver = await addUser(s, 'leaver@example.com');
      await s.users.deactivateUser(OPERATOR, leaver.id, 'test');
      const firstAt = (await s.users.getUser(leaver.id)).deactivatedAt;
      s.clock.advance(60_000);
      const again = await s.users.deactivateUser(OPERATOR, leaver.id, 'test');
      expect(again).toMatchObject({ changed: false, revoked: [] });
      expect((await s.users.getUser(leaver.id)).deactivatedAt).toEqual(firstAt);
      expect((await actions()).filter((a) => a === 'user.deactivated')).toHaveLength(1);
    });

    test('a deactivated user can no longer act, even as a former admin', async () => {
      await addUser(s, 'boss@example.com', 'admin');
      const former = await addUser(s, 'former@example.com', 'admin');
      await s.users.deactivateUser(OPERATOR, former.id, 'test');
      await expect(
        s.users.listUsers(userActor(former.id, 'x'), { limit: 1, offset: 0 }),
      ).rejects.toMatchObject({
        code: 'users.deactivated',
      });
    });
  });

  describe('bootstrap admins', () => {
    test('ADMIN_EMAILS makes matching users admins when first created, whatever the case', async () => {
      s = makeServices(handle, { env: { ADMIN_EMAILS: 'Boss@Example.COM, second@example.com' } });
      expect((await s.users.addUser(OPERATOR, { email: 'boss@example.com' })).user.role).toBe('admin');
      expect((await s.users.addUser(OPERATOR, { email: 'other@example.com' })).user.role).toBe('member');
      const viaSlack = await s.users.resolveSlackUser(key('U0SECOND'), async () =>
        profile({ email: 'SECOND@example.com' }),
      );
      expect(viaSlack).toMatchObject({ ok: true, user: { role: 'admin' } });
    });

    test('ADMIN_SLACK_USER_IDS makes that Slack user an admin on first sight', async () => {
      s = makeServices(handle, { env: { ADMIN_SLACK_USER_IDS: 'U0BOSS' } });
      const boss = await s.users.resolveSlackUser(key('U0BOSS'), async () =>
        profile({ email: 'boss@example.com' }),
      );
      expect(boss).toMatchObject({ ok: true, user: { role: 'admin' } });
      const other = await s.users.resolveSlackUser(key('U0OTHER'), async () =>
        profile({ email: 'o@example.com' }),
      );
      expect(other).toMatchObject({ ok: true, user: { role: 'member' } });
    });

    test('an existing member listed for bootstrap is promoted, audited, when their Slack identity is first linked', async () => {
      const existing = await addUser(s, 'lead@example.com');
      s = makeServices(handle, { env: { ADMIN_SLACK_USER_IDS: 'U0LEAD' } });
      const result = await s.users.resolveSlackUser(key('U0LEAD'), async () =>
        profile({ email: 'lead@example.com' }),
      );
      expect(result).toMatchObject({ ok: true, user: { id: existing.id, role: 'admin' } });
      expect((await s.users.getUser(existing.id)).role).toBe('admin');
      const granted = (await s.audit.list(OPERATOR, { limit: 20 })).find((e) => e.action === 'admin.granted');
      expect(granted).toMatchObject({ actorLabel: 'bootstrap', subjectUserId: existing.id });
    });
  });

  describe('resolveSlackUser', () => {
    test('a known identity is answered from the database without fetching the profile', async () => {
      const first = await s.users.resolveSlackUser(key('U0ANN'), async () =>
        profile({ email: 'ann@example.com' }),
      );
      const fetchProfile = vi.fn(async () => {
        throw new Error('must not be called');
      });
      const again = await s.users.resolveSlackUser(key('U0ANN'), fetchProfile);
      expect(again).toEqual(first);
      expect(fetchProfile).not.toHaveBeenCalled();
    });

    test('first sight links to an existing user by e-mail, case-insensitively, and audits the link', async () => {
      const ann = await addUser(s, 'Ann@Example.com');
      const result = await s.users.resolveSlackUser(key('U0ANN'), async () =>
        profile({ email: 'ann@EXAMPLE.com' }),
      );
      expect(result).toMatchObject({ ok: true, user: { id: ann.id, email: 'Ann@Example.com' } });
      expect(await count(handle, 'users')).toBe(1);
      expect(await s.users.slackIdentitiesOf(ann.id)).toMatchObject([{ teamId: TEAM, slackUserId: 'U0ANN' }]);
      const linked = (await s.audit.list(OPERATOR, { limit: 10 })).find(
        (e) => e.action === 'slack.identity_linked',
      );
      expect(linked).toMatchObject({
        actorId: ann.id,
        actorLabel: `slack:${TEAM}/U0ANN`,
        subjectUserId: ann.id,
      });
    });

    test('first sight of an unknown e-mail provisions a member from the profile', async () => {
      const result = await s.users.resolveSlackUser(key('U0NEW'), async () => profile());
      expect(result).toMatchObject({
        ok: true,
        user: {
          email: 'new.person@example.com',
          displayName: 'New Person',
          role: 'member',
          deactivatedAt: null,
        },
      });
      const created = (await s.audit.list(OPERATOR, { limit: 10 })).find((e) => e.action === 'user.created');
      expect(created).toMatchObject({ actorId: null, details: { via: 'slack', role: 'member' } });
    });

    test.each([
      ['a bot', profile({ isBot: true }), 'bot'],
      ['a deleted account', profile({ deleted: true }), 'deleted'],
      ['a profile without e-mail', profile({ email: undefined }), 'no_email'],
      ['a profile with an unusable e-mail', profile({ email: 'not an address' }), 'no_email'],
    ])('%s is refused and nothing is stored', async (_what, given, reason) => {
      expect(await s.users.resolveSlackUser(key('U0X'), async () => given)).toEqual({ ok: false, reason });
      expect(await count(handle, 'users')).toBe(0);
      expect(await count(handle, 'slack_identities')).toBe(0);
    });

    test('the identity of a deactivated user resolves to "deactivated", before and after linking', async () => {
      await s.users.resolveSlackUser(key('U0ANN'), async () => profile({ email: 'ann@example.com' }));
      const bob = await addUser(s, 'bob@example.com');
      const ann = await s.users.getUserByEmail('ann@example.com');
      await s.users.deactivateUser(OPERATOR, ann.id, 'test');
      await s.users.deactivateUser(OPERATOR, bob.id, 'test');
      expect(await s.users.resolveSlackUser(key('U0ANN'), async () => profile())).toEqual({
        ok: false,
        reason: 'deactivated',
      });
      expect(
        await s.users.resolveSlackUser(key('U0BOB'), async () => profile({ email: 'bob@example.com' })),
      ).toEqual({
        ok: false,
        reason: 'deactivated',
      });
    });

    test('the same Slack user id in another team is another identity', async () => {
      const a = await s.users.resolveSlackUser(key('U0SAME', 'T0ONE'), async () =>
        profile({ email: 'one@example.com' }),
      );
      const b = await s.users.resolveSlackUser(key('U0SAME', 'T0TWO'), async () =>
        profile({ email: 'two@example.com' }),
      );
      expect(a.ok && b.ok && a.user.id !== b.user.id).toBe(true);
      expect(await count(handle, 'slack_identities')).toBe(2);
    });

    test('concurrent first sights of one identity yield one user and one link', async () => {
      const results = await Promise.all(
        Array.from({ length: 6 }, () => s.users.resolveSlackUser(key('U0RACE'), async () => profile())),
      );
      const ids = new Set(results.map((r) => (r.ok ? r.user.id : r.reason)));
      expect(ids.size).toBe(1);
      expect(results.every((r) => r.ok)).toBe(true);
      expect(await count(handle, 'users')).toBe(1);
      expect(await count(handle, 'slack_identities')).toBe(1);
      const events = await actions();
      expect(events.filter((a) => a === 'user.created')).toHaveLength(1);
      expect(events.filter((a) => a === 'slack.identity_linked')).toHaveLength(1);
    });

    test('concurrent first sights of two identities with one e-mail share one user', async () => {
      const [a, b] = await Promise.all([
        s.users.resolveSlackUser(key('U0A', 'T0ONE'), async () => profile({ email: 'Shared@example.com' })),
        s.users.resolveSlackUser(key('U0B', 'T0TWO'), async () => profile({ email: 'shared@EXAMPLE.com' })),
      ]);
      expect(a!.ok && b!.ok && a!.user.id === b!.user.id).toBe(true);
      expect(await count(handle, 'users')).toBe(1);
      expect(await count(handle, 'slack_identities')).toBe(2);
    });
  });
});
