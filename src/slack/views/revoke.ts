/**
 * The Revoke button and what revoking says. The button always carries a confirm dialog that
 * names the token and its owner, because a revoke cannot be undone; the handler lives in
 * listeners/actions/revoke-token.ts.
 */
import type { Button } from '@slack/types';
import type { TokenSummary } from '../../tokens/tokens.models.ts';
import { ACTION } from '../ids.ts';
import { slackDate } from './dates.ts';
import { clamp, LIMITS, personLabel, safe } from './paging.ts';

const plain = (text: string, max: number) => ({ type: 'plain_text' as const, text: clamp(text, max) });

/** Plain text (the confirm dialog is not mrkdwn): no escaping, only bounded. */
const ownerPlain = (owner: TokenSummary['owner']) => {
  const name = owner.name?.trim();
  return clamp(name ? `${name} (${owner.email})` : owner.email, 100);
};

export const revokeButton = (token: Pick<TokenSummary, 'id' | 'name' | 'owner'>): Button => ({
  type: 'button',
  action_id: ACTION.revokeToken,
  text: { type: 'plain_text', text: 'Revoke', emoji: true },
  style: 'danger',
  value: token.id,
  confirm: {
    title: plain('Revoke this token?', LIMITS.confirmTitle),
    text: plain(
      `"${clamp(token.name, 64)}" (${token.id}), owned by ${ownerPlain(token.owner)}, will stop working at once. ` +
        'This is permanent: a revoked token can never be used again.',
      LIMITS.confirmText,
    ),
    confirm: plain('Revoke permanently', LIMITS.confirmButton),
    deny: plain('Keep it', LIMITS.confirmButton),
    style: 'danger',
  },
});

/** Who revoked a token, as the use-case reports it; null when it was the operator or Tokendesk itself. */
export interface Revocation {
  at: Date;
  by: { email: string; name: string | null } | null;
  reason: string | null;
}

const tokenRef = (token: Pick<TokenSummary, 'id' | 'name'>) => `*${safe(token.name, 64)}* (\`${token.id}\`)`;

export const revokedText = (token: TokenSummary): string =>
  `:no_entry: Revoked ${tokenRef(token)} of ${personLabel(token.owner)}. It no longer works anywhere.`;

export const alreadyRevokedText = (token: TokenSummary, revocation: Revocation | undefined): string => {
  const at = revocation?.at ?? token.revokedAt;
  const by = revocation?.by ? personLabel(revocation.by) : 'an operator';
  const reason = revocation?.reason ?? token.revokeReason;
  const why = reason && reason !== 'manual' ? ` (reason: ${safe(reason, 200)})` : '';
  return `${tokenRef(token)} was already revoked${at ? ` on ${slackDate(at)}` : ''} by ${by}${why}. Nothing changed.`;
};
