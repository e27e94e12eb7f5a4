/**
 * "Request a new token" under a reminder DM (value = token id). Ack first; then the
 * use-case checks the clicker owns the token (or is an admin), audits
 * `renewal.requested` and says whether this is a fresh request; only a fresh one is sent
 * to the admins, with a Generate button prefilled for the owner. The owner is answered in
 * the same DM either way.
 */
import type { AllMiddlewareArgs, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import type { SlackDeps } from '../../deps.ts';
import { errorText, isExpected } from '../../error-text.ts';
import { identify } from '../../identity.ts';
import { createAdminMessenger } from '../../reminders/admin-messenger.ts';
import {
  renewalAlreadyRequested,
  renewalRequested,
  renewalRequestForAdmins,
} from '../../views/renewal-request.ts';
import type { SlackMessage } from '../../views/token-delivery.ts';

type Args = SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs;

const plain = (text: string): SlackMessage => ({
  text,
  blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }],
});

/** The DM the button sits in; Slack also accepts the user id as a channel for the app's DM. */
const replyChannelOf = (body: BlockAction): string => {
  const container = body.container as { channel_id?: unknown };
  const fromContainer = typeof container.channel_id === 'string' ? container.channel_id : '';
  return body.channel?.id || fromContainer || body.user.id;
};

export const requestRenewal =
  (deps: SlackDeps) =>
  async ({ ack, body, action, client }: Args): Promise<void> => {
    await ack();
    const reply = async (message: SlackMessage) => {
      try {
        await client.chat.postMessage({
          channel: replyChannelOf(body),
          text: message.text,
          blocks: message.blocks,
        });
      } catch (error) {
        deps.logger.warn('could not answer a renewal request', { user: body.user.id, error });
      }
    };
    try {
      const who = await identify(body as unknown as Record<string, unknown>, client, deps.services.users);
      if (!who.ok) {
        await reply(plain(who.message));
        return;
      }
      const result = await deps.services.reminders.requestRenewal(who.actor, action.value ?? '');
      if (result.outcome === 'already_requested') {
        await reply(renewalAlreadyRequested(result.token, result.at));
        return;
      }
      const admins = createAdminMessenger({
        client,
        adminChannelId: deps.config.adminChannelId,
        adminAddresses: () => deps.services.reminders.adminSlackAddresses(),
      });
      const told = await admins.tell(renewalRequestForAdmins(result.token, { slackUserId: body.user.id }));
      if (!told.ok)
        deps.logger.warn('could not tell the admins about a renewal request', { error: told.error });
      await reply(renewalRequested(result.token, told.ok));
    } catch (error) {
      if (!isExpected(error)) deps.logger.error('renewal request failed', error);
      await reply(plain(errorText(error)));
    }
  };
