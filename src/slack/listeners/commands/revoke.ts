/**
 * `revoke <token id>` never revokes blind: it answers with the token's metadata and the same
 * confirm-guarded Revoke button the lists show. An unknown id, or someone else's token asked
 * for by a member, gets the use-case's coded error, worded by error-text.ts.
 */
import { revokeCardMessage } from '../../views/token-list.ts';
import type { CommandHandler } from './context.ts';

export const revokeCommand: CommandHandler<'revoke'> = async ({ deps, parsed, who, respond }) => {
  const token = await deps.services.tokens.get(who.actor, parsed.tokenId);
  await respond({ response_type: 'ephemeral', ...revokeCardMessage(token) });
};
