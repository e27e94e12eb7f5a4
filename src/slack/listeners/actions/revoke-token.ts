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
import { identify } from '../../identity.ts';
import { ACTION } from '../../ids.ts';
import { parseTokenRowBlockId } from '../../views/paging.ts';
import { alreadyRevokedText, revokedText } from '../../views/revoke.ts';
import { noticeMessage } from '../../views/token-delivery.ts';
import { tokenListModal } from '../../views/token-list.ts';
import { originOf } from './open-generate.ts';
import {
  EXPIRED_BUTTON,
  failInteraction,
  homeStateOf,
  loadTokenPage,
  renderMessage,
  surfaceOf,
  tell,
  type Who,
} from './page.ts';

type Revoked = {
  result: Awaited<ReturnType<SlackDeps['services']['tokens']['revoke']>>;
  notice: string;
  who: Who;
};

export const registerRevokeToken = (app: App, deps: SlackDeps): void => {
  app.action<BlockAction<ButtonAction>>(ACTION.revokeToken, async ({ ack, body, client, respond }) => {
    await ack();
    const surface = surfaceOf(body, respond);
    const action = body.actions[0];
    let who: Who | undefined;
    let revoked: Revoked;
    const show = async ({ result, notice, who }: Revoked) => {
      // The owner's and the actor's Homes list this token, and every admin's page counts it:
      // refresh them before answering here.
      await deps.refreshHomes([result.token.owner.id, who.user.id], { admins: true });
      const { cursor } = parseTokenRowBlockId(action?.block_id);
      const tokenId = action?.value ?? '';
      if (surface.kind === 'home') {
        await publishHome({ ...deps, client }, who, homeStateOf(surface.privateMetadata), notice);
      } else if (surface.kind === 'modal' && cursor?.k === 'tokens') {
        const page = await loadTokenPage(deps, who, cursor.o, cursor.p);
        await client.views.update({ view_id: surface.viewId, view: tokenListModal(page, notice) });
      } else if (surface.kind === 'message') {
        const target = cursor && cursor.k !== 'home' ? cursor : { k: 'token' as const, id: tokenId };
        await surface.respond({
          replace_original: true,
          ...(await renderMessage(deps, who, target, notice)),
        });
      } else {
        await tell(deps, client, surface, who, body.user.id, notice);
      }
    };
    try {
      const identified = await identify(
        body as unknown as Record<string, unknown>,
        client,
        deps.services.users,
      );
      if (!identified.ok) {
        await tell(deps, client, surface, undefined, body.user.id, identified.message);
        return;
      }
      who = identified;
      const tokenId = action?.value ?? '';
      if (!isPublicId(tokenId)) {
        await tell(deps, client, surface, who, body.user.id, EXPIRED_BUTTON);
        return;
      }
      const result = await deps.services.tokens.revoke(who.actor, tokenId, 'manual');
      const notice =
        result.outcome === 'revoked'
          ? revokedText(result.token)
          : alreadyRevokedText(result.token, await deps.services.tokens.revocation(who.actor, tokenId));
      revoked = { result, notice, who };
    } catch (error) {
      await failInteraction(deps, client, surface, who, body.user.id, 'revoke', error);
      return;
    }
    // The revocation is done, and permanent. From here a failure may cost the view its update,
    // but must never tell the admin that nothing changed.
    try {
      await show(revoked);
    } catch (error) {
      deps.logger.warn('token revoked, but the view could not be updated', { error: slackErrorCode(error) });
      await notifyUser(
        client,
        deps.logger,
        { slackUserId: body.user.id, origin: originOf(body) },
        noticeMessage(revoked.notice),
      );
    }
  });
};
