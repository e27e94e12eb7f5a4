/**
 * A Generate button (App Home, a renewal request): opens the generate modal for an
 * admin, prefilled with the owner named by the button. The value is a Tokendesk user
 * id, which the modal needs as a Slack user: one of that user's linked identities,
 * preferably in the clicker's workspace. A user with no linked identity cannot be picked
 * in the modal at all, so the admin is told how to make their token with the CLI instead.
 */
import type { AllMiddlewareArgs, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { notifyUser } from '../../delivery.ts';
import type { SlackDeps } from '../../deps.ts';
import { errorText, isExpected } from '../../error-text.ts';
import { identify } from '../../identity.ts';
import type { GenerateOrigin } from '../../views/generate-modal.ts';
import { cliCreateCommand, personLabel } from '../../views/reminder-format.ts';
import { noticeMessage } from '../../views/token-delivery.ts';
import { openGenerateModal } from '../commands/generate.ts';

type Args = SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A click in a view (the Home tab) has no channel; a click in a message has one. */
export const originOf = (body: BlockAction): GenerateOrigin => {
  const container = body.container as { type?: unknown; channel_id?: unknown };
  const channelId =
    body.channel?.id ?? (typeof container.channel_id === 'string' ? container.channel_id : '');
  if (container.type === 'view' || !/^[CDG][A-Z0-9]{2,}$/.test(channelId)) return { kind: 'home' };
  return { kind: 'channel', channelId };
};

/** The owner as the modal can take them: a Slack user to prefill, none, or someone Slack cannot pick. */
const slackUserOf = async (
  deps: SlackDeps,
  ownerId: string,
  teamId: string,
): Promise<{ slackUserId: string | undefined } | { offSlack: { email: string; name: string | null } }> => {
  // Anything but a user id (an empty value, a stale or forged one) just means "no prefill".
  if (!UUID.test(ownerId)) return { slackUserId: undefined };
  const identities = await deps.services.users.slackIdentitiesOf(ownerId);
  if (identities.length === 0) {
    const owner = await deps.services.users.getUser(ownerId).catch(() => undefined);
    if (owner) return { offSlack: { email: owner.email, name: owner.displayName } };
  }
  return { slackUserId: (identities.find((i) => i.teamId === teamId) ?? identities[0])?.slackUserId };
};

export const openGenerate =
  (deps: SlackDeps) =>
  async ({ ack, body, action, client }: Args): Promise<void> => {
    await ack();
    const origin = originOf(body);
    const tell = (text: string) =>
      notifyUser(client, deps.logger, { slackUserId: body.user.id, origin }, noticeMessage(text));
    try {
      const who = await identify(body as unknown as Record<string, unknown>, client, deps.services.users);
      if (!who.ok) {
        await tell(who.message);
        return;
      }
      await deps.services.users.requireAdmin(who.actor, 'tokens.generate');
      const owner = await slackUserOf(deps, action.value ?? '', who.sender.teamId);
      if ('offSlack' in owner) {
        await tell(
          `${personLabel(owner.offSlack)} has no Slack account linked to Tokendesk, so the form cannot pick them. ` +
            `Make their token from the command line instead: ${cliCreateCommand(owner.offSlack.email)} ` +
            '(add `--name` and `--expires-in` as needed). It prints the token once; pass it on the way your team shares secrets.',
        );
        return;
      }
      const opened = await openGenerateModal(deps, client, {
        triggerId: body.trigger_id,
        origin,
        initialSlackUserId: owner.slackUserId,
      });
      if (!opened) {
        await tell(
          ':hourglass: Slack did not let Tokendesk open the form in time. Nothing was created; please press Generate again.',
        );
      }
    } catch (error) {
      if (!isExpected(error)) deps.logger.error('open generate failed', error);
      await tell(errorText(error));
    }
  };
