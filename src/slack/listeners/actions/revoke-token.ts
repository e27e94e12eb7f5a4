/**
 * The Revoke button (already confirmed in Slack's dialog). The use-case decides who may
 * revoke what — a crafted action for someone else's token is refused and audited there —
 * and this listener shows the new state where the click came from: the message is replaced
 * (the block id says which page it was), the modal updated, the Home republished.
 */
import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import { isPublicId } from '../../../tokens/token-format.ts';
import { notifyUser, slackErrorCode } from '../../delivery.ts';
import type { SlackDeps } from '../../deps.ts';
import { publishHome } from '../../home-publisher.ts';
import { ACTION } from '../../ids.ts';
import { parseTokenRowBlockId } from '../../views/paging.ts';
import { alreadyRevokedText, revokedText } from '../../views/revoke.ts';
import { noticeMessage } from '../../views/token-delivery.ts';
import { tokenListModal } from '../../views/token-list.ts';
import { originOf } from './open-generate.ts';
import {
  EXPIRED_BUTTON,
  homeStateOf,
  type ListActionContext,
  listAction,
  loadTokenPage,
  renderMessage,
} from './page.ts';

type Revocation = Awaited<ReturnType<SlackDeps['services']['tokens']['revoke']>>;

/** The token's new state, where the click came from. */
const showRevocation = async (
  deps: SlackDeps,
  { body, client, surface, who, tell }: ListActionContext,
  result: Revocation,
  notice: string,
): Promise<void> => {
  // The owner's and the actor's Homes list this token, and every admin's page counts it:
  // refresh them before answering here.
  await deps.refreshHomes([result.token.owner.id, who.user.id], { admins: true });
  const action = body.actions[0];
  const { cursor } = parseTokenRowBlockId(action?.block_id);
  if (surface.kind === 'home') {
    await publishHome({ ...deps, client }, who, homeStateOf(surface.privateMetadata), notice);
  } else if (surface.kind === 'modal' && cursor?.k === 'tokens') {
    const page = await loadTokenPage(deps, who, cursor.o, cursor.p);
    await client.views.update({ view_id: surface.viewId, view: tokenListModal(page, notice) });
  } else if (surface.kind === 'message') {
    const target = cursor && cursor.k !== 'home' ? cursor : { k: 'token' as const, id: action?.value ?? '' };
    await surface.respond({ replace_original: true, ...(await renderMessage(deps, who, target, notice)) });
  } else {
    await tell(notice);
  }
};

export const registerRevokeToken = (app: App, deps: SlackDeps): void => {
  app.action<BlockAction<ButtonAction>>(
    ACTION.revokeToken,
    listAction(deps, 'revoke', async (ctx) => {
      const tokenId = ctx.body.actions[0]?.value ?? '';
      if (!isPublicId(tokenId)) {
        await ctx.tell(EXPIRED_BUTTON);
        return;
      }
      const result = await deps.services.tokens.revoke(ctx.who.actor, tokenId, 'manual');
      const notice =
        result.outcome === 'revoked'
          ? revokedText(result.token)
          : alreadyRevokedText(result.token, await deps.services.tokens.revocation(ctx.who.actor, tokenId));
      // The revocation is done, and permanent. From here a failure may cost the view its update,
      // but must never tell the admin that nothing changed.
      try {
        await showRevocation(deps, ctx, result, notice);
      } catch (error) {
        deps.logger.warn('token revoked, but the view could not be updated', {
          error: slackErrorCode(error),
        });
        await notifyUser(
          ctx.client,
          deps.logger,
          { slackUserId: ctx.body.user.id, origin: originOf(ctx.body) },
          noticeMessage(notice),
        );
      }
    }),
  );
};
