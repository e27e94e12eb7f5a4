/**
 * Users, admins and the link from Slack identities to users. Every mutation writes its
 * audit event in the same transaction as the change.
 */

import type { AuditRepository } from '../audit/audit.repository.ts';
import type { Database, Executor } from '../db/client.ts';
import type { User } from '../db/schema.ts';
import type { OffboardingNoticesRepository } from '../offboarding/offboarding-notices.repository.ts';
import type { Actor } from '../shared/actor.ts';
import type { Clock } from '../shared/clock.ts';
import { AppError } from '../shared/errors.ts';
import type { TokensRepository } from '../tokens/tokens.repository.ts';
import type { UsersRepository } from './users.repository.ts';

export interface UsersDeps {
  db: Database;
  clock: Clock;
  users: UsersRepository;
  tokens: TokensRepository;
  audit: AuditRepository;
  /** The offboarding notices' outbox, written in the deactivation's transaction. */
  notices: Pick<OffboardingNoticesRepository, 'insert'>;
  bootstrap: { adminEmails: readonly string[]; adminSlackUserIds: readonly string[] };
  /** Called after a transaction that revoked tokens commits (cache invalidation, notices). */
  onTokensRevoked?: (tokenIds: string[]) => void;
  /** Called after a deactivation queued its offboarding notice (an instance delivers it now). */
  onNoticeQueued?: () => void;
}

const EMAIL = /^[^\s@<>()[\]\\,;:"]+@[^\s@<>()[\]\\,;:"]+\.[^\s@<>()[\]\\,;:"]+$/;

export const normalizeEmail = (raw: string): string => {
  const email = raw.trim();
  if (email.length > 254 || !EMAIL.test(email)) {
    throw new AppError('users.invalid_email', `"${email.slice(0, 80)}" is not an e-mail address`);
  }
  return email;
};

export interface SlackProfile {
  email: string | undefined;
  name: string | undefined;
  isBot: boolean;
  deleted: boolean;
}

export interface SlackIdentityKey {
  teamId: string;
  slackUserId: string;
  enterpriseId: string | null;
}

export type SlackResolution =
  | { ok: true; user: User }
  | { ok: false; reason: 'bot' | 'deleted' | 'no_email' | 'deactivated' };

export const createUsersUseCases = (deps: UsersDeps) => {
  const { db, clock, users, tokens, audit } = deps;

  /** The actor's current user row, or the operator; refuses unknown and deactivated users. */
  const loadActor = async (executor: Executor, actor: Actor): Promise<User | 'operator'> => {
    if (actor.kind === 'operator') return 'operator';
    const user = await users.findById(executor, actor.userId);
    if (!user) throw new AppError('auth.unknown_actor', 'Unknown user');
    if (user.deactivatedAt) throw new AppError('users.deactivated', 'Your account is deactivated');
    return user;
  };

  const isAdmin = (who: User | 'operator') => who === 'operator' || who.role === 'admin';

  /** Throws auth.forbidden (after auditing the refusal) unless the actor is an admin right now. */
  const requireAdmin = async (actor: Actor, attempted: string): Promise<User | 'operator'> => {
    const who = await loadActor(db, actor);
    if (!isAdmin(who)) {
      await audit.record(db, {
        at: clock.now(),
        actorId: actor.kind === 'user' ? actor.userId : null,
        actorLabel: actor.label,
        action: 'auth.refused',
        details: { attempted },
      });
      throw new AppError('auth.forbidden', 'Only Tokendesk admins can do that', { attempted });
    }
    return who;
  };

  const actorId = (actor: Actor) => (actor.kind === 'user' ? actor.userId : null);

  const shouldBootstrapAdmin = (email: string, slackUserId?: string) =>
    deps.bootstrap.adminEmails.includes(email.toLowerCase()) ||
    (slackUserId !== undefined && deps.bootstrap.adminSlackUserIds.includes(slackUserId));

  const getUser = async (id: string): Promise<User> => {
    const user = await users.findById(db, id);
    if (!user) throw new AppError('users.not_found', 'No such user');
    return user;
  };

  const getUserByEmail = async (email: string): Promise<User> => {
    const user = await users.findByEmail(db, email.trim());
    if (!user) throw new AppError('users.not_found', `No user with e-mail ${email.trim().slice(0, 80)}`);
    return user;
  };

  const changeRole = async (actor: Actor, userId: string, role: 'admin' | 'member'): Promise<boolean> => {
    await requireAdmin(actor, role === 'admin' ? 'admins.grant' : 'admins.revoke');
    return db.transaction(async (tx) => {
      const admins = await users.lockActiveAdmins(tx);
      const target = await users.findById(tx, userId);
      if (!target) throw new AppError('users.not_found', 'No such user');
      if (target.role === role) return false;
      if (role === 'admin' && target.deactivatedAt) {
        throw new AppError('users.deactivated', `${target.email} is deactivated`);
      }
      if (role === 'member' && admins.length <= 1 && admins.some((a) => a.id === userId)) {
        throw new AppError('users.last_admin', `${target.email} is the last admin and cannot be removed`);
      }
      await users.setRole(tx, userId, role);
      await audit.record(tx, {
        at: clock.now(),
        actorId: actorId(actor),
        actorLabel: actor.label,
        action: role === 'admin' ? 'admin.granted' : 'admin.revoked',
        subjectUserId: userId,
      });
      return true;
    });
  };

  return {
    loadActor: (actor: Actor) => loadActor(db, actor),
    requireAdmin,
    isAdmin: async (actor: Actor) => isAdmin(await loadActor(db, actor)),
    getUser,
    getUserByEmail,

    addUser: async (actor: Actor, input: { email: string; name?: string | undefined }) => {
      await requireAdmin(actor, 'users.add');
      const email = normalizeEmail(input.email);
      return db.transaction(async (tx) => {
        const { user, created } = await users.insertOrGet(tx, {
          email,
          displayName: input.name?.trim() || null,
          role: shouldBootstrapAdmin(email) ? 'admin' : 'member',
          createdAt: clock.now(),
        });
        if (created) {
          await audit.record(tx, {
            at: clock.now(),
            actorId: actorId(actor),
            actorLabel: actor.label,
            action: 'user.created',
            subjectUserId: user.id,
            details: { role: user.role },
          });
        }
        return { user, created };
      });
    },

    listUsers: async (actor: Actor, page: { limit: number; offset: number }) => {
      await requireAdmin(actor, 'users.list');
      return users.list(db, page, clock.now());
    },

    listAdmins: async (actor: Actor) => {
      await requireAdmin(actor, 'admins.list');
      return users.listAdmins(db);
    },

    /**
     * The ids of the active admins, for system work that must reach them all (refreshing
     * their App Homes after a change). Not an access path: it answers to no actor and
     * returns ids only; listing admins to a person goes through listAdmins.
     */
    activeAdminIds: async (limit: number): Promise<string[]> =>
      (await users.listAdmins(db)).slice(0, limit).map((admin) => admin.id),

    grantAdmin: (actor: Actor, userId: string) => changeRole(actor, userId, 'admin'),
    revokeAdmin: (actor: Actor, userId: string) => changeRole(actor, userId, 'member'),

    /**
     * Offboarding: deactivates the user, revokes every active token and queues the admins'
     * notice (which tokens went) in one transaction, so no edge can deactivate someone
     * without the admins hearing of it. Never refused for the last admin; `noAdminLeft`
     * then says that nobody administers Tokendesk any more. Returns the tokens that were revoked.
     */
    deactivateUser: async (
      actor: Actor,
      userId: string,
      source: string,
      options: { slackUserId?: string | undefined } = {},
    ) => {
      await requireAdmin(actor, 'users.deactivate');
      const now = clock.now();
      const result = await db.transaction(async (tx) => {
        const admins = await users.lockActiveAdmins(tx);
        const target = await users.findById(tx, userId);
        if (!target) throw new AppError('users.not_found', 'No such user');
        if (target.deactivatedAt) return { user: target, revoked: [], changed: false, noAdminLeft: false };
        // Someone who left has left, even the last admin: "the last admin cannot be removed" is
        // about demotions. The admins are locked all the same, so that concurrent deactivations
        // and demotions agree on whether any admin remains, and the caller can say so.
        // Tokens first, then the user: the revocation triggers take the announcement row's lock,
        // which must be the last lock this transaction waits for (a concurrent revoke of one of
        // these tokens holds the token and then wants that row).
        const revoked = await tokens.revokeAllOfOwner(tx, userId, {
          at: now,
          by: actorId(actor),
          reason: 'offboarding',
        });
        await users.deactivate(tx, userId, now);
        await audit.record(tx, {
          at: now,
          actorId: actorId(actor),
          actorLabel: actor.label,
          action: 'user.deactivated',
          subjectUserId: userId,
          details: { source, revokedTokens: revoked.map((t) => t.id) },
        });
        for (const token of revoked) {
          await audit.record(tx, {
            at: now,
            actorId: actorId(actor),
            actorLabel: actor.label,
            action: 'token.revoked',
            subjectUserId: userId,
            tokenId: token.id,
            details: { reason: 'offboarding', name: token.name },
          });
        }
        const noAdminLeft = admins.every((a) => a.id === userId);
        const slackUserId =
          options.slackUserId ?? (await users.slackIdentitiesOf(tx, userId))[0]?.slackUserId ?? null;
        await deps.notices.insert(tx, {
          userId,
          at: now,
          source,
          slackUserId,
          revoked: revoked.map((t) => ({ id: t.id, name: t.name })),
          noAdminLeft,
        });
        return { user: { ...target, deactivatedAt: now }, revoked, changed: true, noAdminLeft };
      });
      if (result.revoked.length > 0) deps.onTokensRevoked?.(result.revoked.map((t) => t.id));
      if (result.changed) deps.onNoticeQueued?.();
      return result;
    },

    /**
     * Maps a Slack identity to a user: known links answer from the database; on first
     * sight the profile (fetched lazily, so known users cost no Slack call) is linked by
     * e-mail to an existing user, or a user is provisioned.
     */
    resolveSlackUser: async (
      key: SlackIdentityKey,
      fetchProfile: () => Promise<SlackProfile>,
    ): Promise<SlackResolution> => {
      const known = await users.findBySlackIdentity(db, key.teamId, key.slackUserId);
      if (known)
        return known.deactivatedAt ? { ok: false, reason: 'deactivated' } : { ok: true, user: known };
      const profile = await fetchProfile();
      if (profile.isBot) return { ok: false, reason: 'bot' };
      if (profile.deleted) return { ok: false, reason: 'deleted' };
      if (!profile.email || !EMAIL.test(profile.email)) return { ok: false, reason: 'no_email' };
      const email = profile.email;
      const user = await db.transaction(async (tx) => {
        const { user, created } = await users.insertOrGet(tx, {
          email,
          displayName: profile.name ?? null,
          role: shouldBootstrapAdmin(email, key.slackUserId) ? 'admin' : 'member',
          createdAt: clock.now(),
        });
        if (created) {
          await audit.record(tx, {
            at: clock.now(),
            actorId: null,
            actorLabel: `slack:${key.teamId}/${key.slackUserId}`,
            action: 'user.created',
            subjectUserId: user.id,
            details: { role: user.role, via: 'slack' },
          });
        }
        const linked = await users.linkSlackIdentity(tx, { ...key, userId: user.id });
        if (linked) {
          await audit.record(tx, {
            at: clock.now(),
            actorId: user.id,
            actorLabel: `slack:${key.teamId}/${key.slackUserId}`,
            action: 'slack.identity_linked',
            subjectUserId: user.id,
            details: { teamId: key.teamId, slackUserId: key.slackUserId, enterpriseId: key.enterpriseId },
          });
        }
        // An identity that existed before the bootstrap lists named it still gets promoted on first link.
        if (linked && user.role !== 'admin' && shouldBootstrapAdmin(email, key.slackUserId)) {
          await users.setRole(tx, user.id, 'admin');
          await audit.record(tx, {
            at: clock.now(),
            actorId: null,
            actorLabel: 'bootstrap',
            action: 'admin.granted',
            subjectUserId: user.id,
          });
          return { ...user, role: 'admin' as const };
        }
        return user;
      });
      // A concurrent first sight may have linked first; the database's answer wins.
      const final = (await users.findBySlackIdentity(db, key.teamId, key.slackUserId)) ?? user;
      return final.deactivatedAt ? { ok: false, reason: 'deactivated' } : { ok: true, user: final };
    },

    slackIdentitiesOf: (userId: string) => users.slackIdentitiesOf(db, userId),
    findUserBySlackIdentity: (teamId: string, slackUserId: string) =>
      users.findBySlackIdentity(db, teamId, slackUserId),
  };
};

export type UsersUseCases = ReturnType<typeof createUsersUseCases>;
