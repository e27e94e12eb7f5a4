/**
 * A Generate button (App Home, a renewal request, an escalation): opens the generate modal
 * at once (the trigger_id lives three seconds), then checks the clicker is an admin — a
 * refusal replaces the modal's content — and then prefills the owner named by the button.
 * The value is a Tokendesk user id, which the modal needs as a Slack user: one of that
 * user's linked identities, preferably in the clicker's workspace; finding it takes a
 * database read, so the prefill arrives by views.update. A user with no linked identity
 * cannot be picked in the modal at all, so the modal turns into the CLI command that
 * makes their token instead.
 */
import type { AllMiddlewareArgs, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { notifyUser, slackErrorCode } from '../../delivery.ts';
import type { SlackDeps } from '../../deps.ts';
import type { GenerateOrigin } from '../../views/generate-modal.ts';
import { personLabel } from '../../views/paging.ts';
import { cliCreateCommand } from '../../views/reminder-format.ts';
import { noticeMessage } from '../../views/token-delivery.ts';
import { checkGenerator, generateView, openGenerateModal, showRefusal } from '../commands/generate.ts';

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

const offSlackText = (owner: { email: string; name: string | null }) =>
  `${personLabel(owner)} has no Slack account linked to Tokendesk, so the form cannot pick them. ` +
  `Make their token from the command line instead: ${cliCreateCommand(owner.email)} ` +
  '(add `--name` and `--expires-in` as needed). It prints the token once; pass it on the way your team shares secrets.';

export const openGenerate =
  (deps: SlackDeps) =>
  async ({ ack, body, action, client }: Args): Promise<void> => {
    await ack();
    const origin = originOf(body);
    const tell = (text: string) =>
      notifyUser(client, deps.logger, { slackUserId: body.user.id, origin }, noticeMessage(text));
    const opened = await openGenerateModal(deps, client, { triggerId: body.trigger_id, origin });
    const checked = await checkGenerator(deps, client, body as unknown as Record<string, unknown>);
    if (!checked.ok) {
      await showRefusal(deps, client, opened, checked.text, tell);
      return;
    }
    if (!opened) {
      await tell(
        ':hourglass: Slack did not let Tokendesk open the form in time. Nothing was created; please press Generate again.',
      );
      return;
    }
    try {
      const owner = await slackUserOf(deps, action.value ?? '', checked.who.sender.teamId);
      if ('offSlack' in owner) {
        await showRefusal(deps, client, opened, offSlackText(owner.offSlack), tell, ':information_source:');
        return;
      }
      if (!owner.slackUserId) return;
      await client.views.update({
        view_id: opened.viewId,
        ...(opened.hash ? { hash: opened.hash } : {}),
        view: generateView(deps, { origin, initialSlackUserId: owner.slackUserId }),
      });
    } catch (error) {
      // The modal stays open without the prefill; the admin picks the person themselves.
      deps.logger.warn('could not prefill the generate modal', { error: slackErrorCode(error) });
    }
  };
