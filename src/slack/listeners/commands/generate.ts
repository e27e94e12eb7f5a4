/**
 * `/apitoken generate [@person]`: the modal opens first, right after the ack, from what
 * needs no database (the mention, the lifetime presets), because the trigger_id dies three
 * seconds after the command was sent. Only then is the sender identified and checked: a
 * non-admin sees the opened modal turn into a refusal (audited by requireAdmin). Nothing is
 * written here; the token is made when the modal is submitted, which checks again.
 */
import type { RespondFn, SlashCommand } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import { slackErrorCode } from '../../delivery.ts';
import type { SlackDeps } from '../../deps.ts';
import { errorText, isExpected } from '../../error-text.ts';
import { type Identified, identify } from '../../identity.ts';
import { type GenerateOrigin, generateModal, generateRefusalModal } from '../../views/generate-modal.ts';

export interface OpenGenerateArgs {
  triggerId: string;
  origin: GenerateOrigin;
  initialSlackUserId?: string | undefined;
}

export interface OpenedModal {
  viewId: string;
  hash?: string | undefined;
}

export const generateView = (deps: SlackDeps, args: Omit<OpenGenerateArgs, 'triggerId'>) =>
  generateModal({
    policy: { defaultDays: deps.config.tokenDefaultDays, maxDays: deps.config.tokenMaxDays },
    origin: args.origin,
    initialSlackUserId: args.initialSlackUserId,
  });

/** Opens the modal; undefined when Slack refused (an expired or used trigger, an outage). */
export const openGenerateModal = async (
  deps: SlackDeps,
  client: WebClient,
  args: OpenGenerateArgs,
): Promise<OpenedModal | undefined> => {
  try {
    const result = await client.views.open({ trigger_id: args.triggerId, view: generateView(deps, args) });
    const viewId = result.view?.id;
    return viewId ? { viewId, hash: result.view?.hash } : undefined;
  } catch (error) {
    deps.logger.warn('could not open the generate modal', { error: slackErrorCode(error) });
    return undefined;
  }
};

export type GeneratorCheck =
  | { ok: true; who: Extract<Identified, { ok: true }> }
  | { ok: false; text: string };

/** Who pressed generate, and whether they are an admin now (a refusal is audited). */
export const checkGenerator = async (
  deps: SlackDeps,
  client: WebClient,
  body: Record<string, unknown>,
): Promise<GeneratorCheck> => {
  try {
    const who = await identify(body, client, deps.services.users);
    if (!who.ok) return { ok: false, text: who.message };
    await deps.services.users.requireAdmin(who.actor, 'tokens.generate');
    return { ok: true, who };
  } catch (error) {
    if (!isExpected(error)) deps.logger.error('generate: the admin check failed', error);
    return { ok: false, text: errorText(error) };
  }
};

/** Turns the opened modal into a refusal (or a notice); without a modal (or if that fails), `fallback` tells them. */
export const showRefusal = async (
  deps: SlackDeps,
  client: WebClient,
  opened: OpenedModal | undefined,
  text: string,
  fallback: (text: string) => Promise<unknown>,
  emoji?: string,
): Promise<void> => {
  if (opened) {
    try {
      await client.views.update({
        view_id: opened.viewId,
        ...(opened.hash ? { hash: opened.hash } : {}),
        view: generateRefusalModal(text, emoji),
      });
      return;
    } catch (error) {
      deps.logger.warn('could not turn the generate modal into a refusal', { error: slackErrorCode(error) });
    }
  }
  await fallback(text);
};

export const generateCommand = async (ctx: {
  deps: SlackDeps;
  client: WebClient;
  command: SlashCommand;
  body: Record<string, unknown>;
  slackUserId?: string | undefined;
  respond: RespondFn;
}): Promise<void> => {
  const { deps, client, command, respond } = ctx;
  const opened = await openGenerateModal(deps, client, {
    triggerId: command.trigger_id,
    origin: { kind: 'channel', channelId: command.channel_id },
    initialSlackUserId: ctx.slackUserId,
  });
  const ephemeral = (text: string) => respond({ response_type: 'ephemeral', text });
  const checked = await checkGenerator(deps, client, ctx.body);
  if (!checked.ok) {
    await showRefusal(deps, client, opened, checked.text, ephemeral);
    return;
  }
  if (!opened) {
    await ephemeral(
      `:hourglass: Slack did not let Tokendesk open the form in time. Nothing was created; please run \`${deps.config.slashCommand} generate\` again.`,
    );
  }
};
