/**
 * `/apitoken generate [@person]`: an admin check (one read), then the modal at once,
 * because the trigger_id dies three seconds after the command was sent. Nothing is
 * written here; the token is made when the modal is submitted.
 */
import type { WebClient } from '@slack/web-api';
import { slackErrorCode } from '../../delivery.ts';
import type { SlackDeps } from '../../deps.ts';
import { type GenerateOrigin, generateModal } from '../../views/generate-modal.ts';
import type { CommandHandler } from './context.ts';

export interface OpenGenerateArgs {
  triggerId: string;
  origin: GenerateOrigin;
  initialSlackUserId?: string | undefined;
}

/** Opens the modal; false when Slack refused (an expired or used trigger, an outage). */
export const openGenerateModal = async (
  deps: SlackDeps,
  client: WebClient,
  args: OpenGenerateArgs,
): Promise<boolean> => {
  const view = generateModal({
    policy: { defaultDays: deps.config.tokenDefaultDays, maxDays: deps.config.tokenMaxDays },
    origin: args.origin,
    initialSlackUserId: args.initialSlackUserId,
  });
  try {
    await client.views.open({ trigger_id: args.triggerId, view });
    return true;
  } catch (error) {
    deps.logger.warn('could not open the generate modal', { error: slackErrorCode(error) });
    return false;
  }
};

export const generateCommand: CommandHandler<'generate'> = async ({
  deps,
  client,
  command,
  parsed,
  who,
  respond,
}) => {
  // Throws auth.forbidden after auditing the refusal; the router turns it into "ask an admin".
  await deps.services.users.requireAdmin(who.actor, 'tokens.generate');
  const opened = await openGenerateModal(deps, client, {
    triggerId: command.trigger_id,
    origin: { kind: 'channel', channelId: command.channel_id },
    initialSlackUserId: parsed.slackUserId,
  });
  if (!opened) {
    await respond({
      response_type: 'ephemeral',
      text: `:hourglass: Slack did not let Tokendesk open the form in time. Nothing was created; please run \`${deps.config.slashCommand} generate\` again.`,
    });
  }
};
