/** What edges may see of a token: never a hash, never a secret. */
import type { ApiToken, User } from '../db/schema.ts';

export type TokenStatus = 'active' | 'expired' | 'revoked';

export interface TokenSummary {
  id: string;
  name: string;
  owner: { id: string; email: string; name: string | null };
  createdAt: Date;
  expiresAt: Date;
  lastUsedAt: Date | null;
  lastUsedIp: string | null;
  revokedAt: Date | null;
  revokeReason: string | null;
  status: TokenStatus;
}

export const statusOf = (token: Pick<ApiToken, 'revokedAt' | 'expiresAt'>, now: Date): TokenStatus => {
  if (token.revokedAt) return 'revoked';
  return token.expiresAt.getTime() <= now.getTime() ? 'expired' : 'active';
};

export const summarize = (token: ApiToken, owner: User, now: Date): TokenSummary => ({
  id: token.id,
  name: token.name,
  owner: { id: owner.id, email: owner.email, name: owner.displayName },
  createdAt: token.createdAt,
  expiresAt: token.expiresAt,
  lastUsedAt: token.lastUsedAt,
  lastUsedIp: token.lastUsedIp,
  revokedAt: token.revokedAt,
  revokeReason: token.revokeReason,
  status: statusOf(token, now),
});

export type VerifyFailure = 'malformed' | 'unknown' | 'revoked' | 'expired' | 'owner_deactivated';

export type VerifyResult =
  | { ok: true; token: TokenSummary; user: { id: string; email: string; name: string | null } }
  | { ok: false; reason: VerifyFailure; tokenId?: string };
