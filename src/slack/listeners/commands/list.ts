/**
 * `list` shows the sender's own tokens to anyone; `list @person` is for admins. The admin
 * check comes before the mention is resolved, so a member's request never provisions or
 * links anyone.
 */
import type { WebClient } from '@slack/web-api';
import type { User } from '../../../db/schema.ts';
import type { SlackDeps } from '../../deps.ts';
import { fetchSlackProfile } from '../../identity.ts';
import { tokenListMessage } from '../../views/token-list.ts';
import { loadTokenPage, type Who } from '../actions/page.ts';
import type { CommandHandler } from './context.ts';

const slackErrorCode = (error: unknown): string | undefined => {
  const data = (error as { data?: { error?: unknown } } | undefined)?.data;
  return typeof data?.error === 'string' ? data.error : undefined;
};

class UnknownSlackUser extends Error {}

/**
 * The Tokendesk user behind a mentioned Slack user (linked or provisioned on first sight, like
 * a sender). `allowDeactivated` lets admins look at an offboarded person's tokens and history.
 */
export const resolveMention = async (
  deps: SlackDeps,
  client: WebClient,
  who: Who,
  slackUserId: string,
  options: { allowDeactivated?: boolean } = {},
): Promise<{ ok: true; user: User } | { ok: false; message: string }> => {
  const mention = `<@${slackUserId}>`;
  const key = { teamId: who.sender.teamId, slackUserId, enterpriseId: who.sender.enterpriseId };
  let resolution: Awaited<ReturnType<SlackDeps['services']['users']['resolveSlackUser']>>;
  try {
    resolution = await deps.services.users.resolveSlackUser(key, async () => {
      try {
        return await fetchSlackProfile(client, slackUserId);
      } catch (error) {
        if (slackErrorCode(error) === 'user_not_found') throw new UnknownSlackUser();
        throw error;
      }
    });
  } catch (error) {
    if (error instanceof UnknownSlackUser) {
      return { ok: false, message: `Slack does not know ${mention} in this workspace.` };
    }
    throw error;
  }
  if (resolution.ok) return resolution;
  switch (resolution.reason) {
    case 'bot':
      return { ok: false, message: `${mention} is a bot; Tokendesk manages tokens for people only.` };
    case 'deleted':
      return { ok: false, message: `${mention} is deactivated in Slack, so Tokendesk cannot act for them.` };
    case 'no_email':
      return {
        ok: false,
        message: `Slack shows no e-mail address for ${mention}, so Tokendesk cannot tell which account is theirs.`,
      };
    case 'deactivated': {
      const user = options.allowDeactivated
        ? await deps.services.users.findUserBySlackIdentity(key.teamId, slackUserId)
        : undefined;
      return user
        ? { ok: true, user }
        : { ok: false, message: `${mention}'s Tokendesk account is deactivated.` };
    }
  }
};

export const listCommand: CommandHandler<'list'> = async ({ deps, client, parsed, who, respond }) => {
  let ownerId = who.user.id;
  if (parsed.slackUserId) {
    await deps.services.users.requireAdmin(who.actor, 'tokens.list');
    const target = await resolveMention(deps, client, who, parsed.slackUserId, { allowDeactivated: true });
    if (!target.ok) {
      await respond({ response_type: 'ephemeral', text: target.message });
      return;
    }
    ownerId = target.user.id;
  }
  const page = await loadTokenPage(deps, who, ownerId, 0);
  await respond({ response_type: 'ephemeral', ...tokenListMessage(page) });
};
