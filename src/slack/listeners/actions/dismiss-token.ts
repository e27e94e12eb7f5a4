/**
 * Done, under a delivered token: removes the ephemeral through its response_url so the
 * secret does not stay on screen. Slack keeps no history of ephemerals, so there is
 * nothing else to clean up; a second click finds nothing to delete, which is fine.
 */
import type { AllMiddlewareArgs, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { slackErrorCode } from '../../delivery.ts';
import type { SlackDeps } from '../../deps.ts';
import { TOKEN_HIDDEN_TEXT } from '../../views/token-delivery.ts';

type Args = SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs;

export const dismissToken =
  (deps: SlackDeps) =>
  async ({ ack, respond, body }: Args): Promise<void> => {
    await ack();
    // Bolt only provides respond() when the payload carried a response_url.
    if (!body.response_url) {
      deps.logger.debug('Done pressed without a response_url; nothing to delete');
      return;
    }
    try {
      await respond({ delete_original: true });
      return;
    } catch (error) {
      deps.logger.debug('could not delete a token message; hiding it instead', {
        error: slackErrorCode(error),
      });
    }
    try {
      await respond({ replace_original: true, text: TOKEN_HIDDEN_TEXT });
    } catch (error) {
      // Typically a second click: the first one already removed the message.
      deps.logger.debug('could not hide a token message either', { error: slackErrorCode(error) });
    }
  };
