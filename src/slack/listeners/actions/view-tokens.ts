/**
 * "View tokens" beside a person: their tokens as a new ephemeral under the users list, or as
 * a modal when the click came from the Home (which has no message to answer under).
 */
import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import type { SlackDeps } from '../../deps.ts';
import { identify } from '../../identity.ts';
import { ACTION } from '../../ids.ts';
import { isUuid } from '../../views/paging.ts';
import { tokenListMessage, tokenListModal } from '../../views/token-list.ts';
import { EXPIRED_BUTTON, failInteraction, loadTokenPage, surfaceOf, tell, type Who } from './page.ts';

export const registerViewTokens = (app: App, deps: SlackDeps): void => {
  app.action<BlockAction<ButtonAction>>(ACTION.viewTokens, async ({ ack, body, client, respond }) => {
    await ack();
    const surface = surfaceOf(body, respond);
    let who: Who | undefined;
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
      const ownerId = body.actions[0]?.value;
      if (!isUuid(ownerId)) {
        await tell(deps, client, surface, who, body.user.id, EXPIRED_BUTTON);
        return;
      }
      const page = await loadTokenPage(deps, who, ownerId, 0);
      if (surface.kind === 'message') {
        await surface.respond({
          response_type: 'ephemeral',
          replace_original: false,
          ...tokenListMessage(page),
        });
      } else if (surface.kind === 'modal') {
        await client.views.push({ trigger_id: body.trigger_id, view: tokenListModal(page) });
      } else {
        await client.views.open({ trigger_id: body.trigger_id, view: tokenListModal(page) });
      }
    } catch (error) {
      await failInteraction(deps, client, surface, who, body.user.id, 'view tokens', error);
    }
  });
};
