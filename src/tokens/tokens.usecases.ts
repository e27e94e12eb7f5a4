/**
 * Generate, list, revoke and verify: the one module every edge (Slack, HTTP, CLI,
 * reminders) calls. Authorization is decided here, not only in the edges, and every
 * mutation writes its audit event in the same transaction.
 */
import type { AuditRepository } from '../audit/audit.repository.ts';
import type { Database, Transaction } from '../db/client.ts';
import type { ApiToken } from '../db/schema.ts';
import type { Actor } from '../shared/actor.ts';
import type { Clock } from '../shared/clock.ts';
import { AppError } from '../shared/errors.ts';
import type { RandomSource } from '../shared/random.ts';
import type { UsersUseCases } from '../users/users.usecases.ts';
import { type ExpiryInput, type ExpiryPolicy, resolveExpiry } from './expiry.ts';
import { formatToken, isPublicId, newPublicId, parseToken } from './token-format.ts';
import type { TokenHasher } from './token-hashing.ts';
import { summarize, type TokenSummary, type VerifyResult } from './tokens.models.ts';
import type { TokensRepository } from './tokens.repository.ts';

export interface TokensDeps {
  db: Database;
  clock: Clock;
  random: RandomSource;
  hasher: TokenHasher;
  tokens: TokensRepository;
  audit: AuditRepository;
  users: UsersUseCases;
  policy: ExpiryPolicy;
  /** Runs inside the generate transaction (the reminders module schedules its DMs here). */
  onGenerated?: (tx: Transaction, token: ApiToken) => Promise<void>;
  /** Runs after a revoke commits (verification caches drop the token). */
  onRevoked?: (tokenIds: string[]) => void;
}

export const MAX_NAME_LENGTH = 64;
export const DEFAULT_TOKEN_NAME = 'API token';

export const validateTokenName = (raw: string | undefined): string => {
  const name = (raw ?? '').replace(/\s+/g, ' ').trim();
  if (name.length === 0) return DEFAULT_TOKEN_NAME;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point.
  if (name.length > MAX_NAME_LENGTH || /[\u0000-\u001f\u007f<>]/.test(name)) {
    throw new AppError(
      'tokens.invalid_name',
      `A token name is at most ${MAX_NAME_LENGTH} characters, without < or > or control characters`,
    );
  }
  return name;
};

export type RevokeOutcome = { outcome: 'revoked' | 'already_revoked'; token: TokenSummary };

export const createTokensUseCases = (deps: TokensDeps) => {
  const { db, clock, random, hasher, tokens, audit, users } = deps;
  const actorId = (actor: Actor) => (actor.kind === 'user' ? actor.userId : null);

  const findOrThrow = async (tokenId: string) => {
    const found = isPublicId(tokenId) ? await tokens.findWithOwner(db, tokenId) : undefined;
    if (!found) throw new AppError('tokens.not_found', `No token with id ${tokenId.slice(0, 40)}`);
    return found;
  };

  return {
    /** Returns the plaintext token exactly once; only its argon2id hash is stored. */
    generate: async (
      actor: Actor,
      input: { ownerId: string; name?: string | undefined; expiry?: ExpiryInput },
    ): Promise<{ token: string; summary: TokenSummary }> => {
      await users.requireAdmin(actor, 'tokens.generate');
      const name = validateTokenName(input.name);
      const now = clock.now();
      const expiresAt = resolveExpiry(input.expiry, now, deps.policy);
      const owner = await users.getUser(input.ownerId);
      if (owner.deactivatedAt) throw new AppError('users.deactivated', `${owner.email} is deactivated`);
      const id = newPublicId(random);
      const plaintext = formatToken(id, random);
      const secretHash = await hasher.hash(plaintext);
      const stored = await db.transaction(async (tx) => {
        const row = await tokens.insert(tx, {
          id,
          name,
          secretHash,
          ownerId: owner.id,
          createdBy: actorId(actor),
          createdAt: now,
          expiresAt,
        });
        await audit.record(tx, {
          at: now,
          actorId: actorId(actor),
          actorLabel: actor.label,
          action: 'token.generated',
          subjectUserId: owner.id,
          tokenId: id,
          details: { name, expiresAt: expiresAt.toISOString() },
        });
        await deps.onGenerated?.(tx, row);
        return row;
      });
      return { token: plaintext, summary: summarize(stored, owner, now) };
    },

    /** Members see their own tokens; only admins see another owner's or everyone's. */
    list: async (
      actor: Actor,
      query: { ownerId?: string | undefined; activeOnly?: boolean; limit: number; offset: number },
    ): Promise<{ items: TokenSummary[]; total: number }> => {
      const who = await users.loadActor(actor);
      const own = who !== 'operator' && query.ownerId === who.id;
      if (!own) await users.requireAdmin(actor, 'tokens.list');
      const now = clock.now();
      const { items, total } = await tokens.list(
        db,
        { ownerId: query.ownerId, activeAt: query.activeOnly ? now : undefined },
        { limit: query.limit, offset: query.offset },
      );
      return { items: items.map((r) => summarize(r.token, r.owner, now)), total };
    },

    get: async (actor: Actor, tokenId: string): Promise<TokenSummary> => {
      const who = await users.loadActor(actor);
      const found = await findOrThrow(tokenId);
      if (who === 'operator' || found.owner.id !== who.id) await users.requireAdmin(actor, 'tokens.get');
      return summarize(found.token, found.owner, clock.now());
    },

    /** Permanent. A second revoke changes nothing and says so (`already_revoked`). */
    revoke: async (actor: Actor, tokenId: string, reason = 'manual'): Promise<RevokeOutcome> => {
      const who = await users.loadActor(actor);
      const found = await findOrThrow(tokenId);
      if (who === 'operator' || found.owner.id !== who.id) await users.requireAdmin(actor, 'tokens.revoke');
      const now = clock.now();
      const cleanReason = reason.replace(/\s+/g, ' ').trim().slice(0, 200) || 'manual';
      const revoked = await db.transaction(async (tx) => {
        const row = await tokens.revokeIfActive(tx, tokenId, {
          at: now,
          by: actorId(actor),
          reason: cleanReason,
        });
        if (!row) return undefined;
        await audit.record(tx, {
          at: now,
          actorId: actorId(actor),
          actorLabel: actor.label,
          action: 'token.revoked',
          subjectUserId: row.ownerId,
          tokenId,
          details: { reason: cleanReason, name: row.name },
        });
        return row;
      });
      if (!revoked) {
        const current = await findOrThrow(tokenId);
        return { outcome: 'already_revoked', token: summarize(current.token, current.owner, now) };
      }
      deps.onRevoked?.([tokenId]);
      return { outcome: 'revoked', token: summarize(revoked, found.owner, now) };
    },

    /** When and by whom a token was revoked, for "already revoked on … by …"; authorized like `get`. */
    revocation: async (
      actor: Actor,
      tokenId: string,
    ): Promise<
      { at: Date; by: { email: string; name: string | null } | null; reason: string | null } | undefined
    > => {
      const who = await users.loadActor(actor);
      const found = await findOrThrow(tokenId);
      if (who === 'operator' || found.owner.id !== who.id) await users.requireAdmin(actor, 'tokens.get');
      const { revokedAt, revokedBy, revokeReason } = found.token;
      if (!revokedAt) return undefined;
      const by = revokedBy ? await users.getUser(revokedBy).catch(() => undefined) : undefined;
      return {
        at: revokedAt,
        by: by ? { email: by.email, name: by.displayName } : null,
        reason: revokeReason,
      };
    },

    /**
     * Checks a presented token. Shape and checksum are checked before any database or
     * argon2 work; a wrong secret for an existing id reads as `unknown`, so the answer
     * never tells an attacker that an id exists.
     */
    verify: async (candidate: string): Promise<VerifyResult> => {
      const parsed = parseToken(candidate);
      if (!parsed.ok) return { ok: false, reason: 'malformed' };
      const found = await tokens.lookupForVerification(db, parsed.publicId);
      if (!found) return { ok: false, reason: 'unknown' };
      if (!(await hasher.verify(found.token.secretHash, candidate))) return { ok: false, reason: 'unknown' };
      const now = clock.now();
      const tokenId = found.token.id;
      if (found.token.revokedAt) return { ok: false, reason: 'revoked', tokenId };
      if (found.owner.deactivatedAt) return { ok: false, reason: 'owner_deactivated', tokenId };
      if (found.token.expiresAt.getTime() <= now.getTime()) return { ok: false, reason: 'expired', tokenId };
      return {
        ok: true,
        token: summarize(found.token, found.owner, now),
        user: { id: found.owner.id, email: found.owner.email, name: found.owner.displayName },
      };
    },

    expiringBetween: async (actor: Actor, from: Date, to: Date, limit: number): Promise<TokenSummary[]> => {
      await users.requireAdmin(actor, 'tokens.list');
      const rows = await tokens.expiringBetween(db, from, to, limit);
      const now = clock.now();
      return rows.map((r) => summarize(r.token, r.owner, now));
    },

    countActiveByOwner: (ownerIds: string[]) => tokens.countActiveByOwner(db, ownerIds, clock.now()),
  };
};

export type TokensUseCases = ReturnType<typeof createTokensUseCases>;
