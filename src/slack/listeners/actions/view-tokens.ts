/**
 * "View tokens" beside a person: their tokens as a new ephemeral under the users list, or as
 * a modal when the click came from the Home (which has no message to answer under).
 */
import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import type { SlackDeps } from '../../deps.ts';
import { ACTION } from '../../ids.ts';
import { isUuid } from '../../views/paging.ts';
import { tokenListMessage, tokenListModal } from '../../views/token-list.ts';
import { EXPIRED_BUTTON, listAction, loadTokenPage } from './page.ts';

export const registerViewTokens = (app: App, deps: SlackDeps): void => {
  app.action<BlockAction<ButtonAction>>(
    ACTION.viewTokens,
    listAction(deps, 'view tokens', async ({ body, client, surface, who, tell }) => {
      const ownerId = body.actions[0]?.value;
      if (!isUuid(ownerId)) {
        await tell(EXPIRED_BUTTON);
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
    }),
  );
};
