/**
 * Getting a message to one admin, privately. An ephemeral in the channel where the flow
 * started is the natural place; that channel may refuse (the bot is not in it, it is
 * archived, it is someone else's DM) and a flow from App Home has no channel at all, so
 * the fallback is an ephemeral in the app's own DM with the admin. Secrets only ever
 * travel through `postEphemeral` (nothing is stored in history); notices without a
 * secret may fall back further to a plain DM.
 */
import type { WebClient } from '@slack/web-api';
import type { Logger } from '../shared/logger.ts';
import type { GenerateOrigin } from './views/generate-modal.ts';
import type { SlackMessage } from './views/token-delivery.ts';

export interface DeliveryTarget {
  slackUserId: string;
  origin: GenerateOrigin;
}

export type DeliveryResult =
  | { ok: true; channel: string; via: 'origin' | 'dm' }
  | { ok: false; errors: string[] };

/** Slack's error code (`channel_not_found`…) or the client's, never the request it carried. */
export const slackErrorCode = (error: unknown): string => {
  const data = (error as { data?: { error?: unknown } } | null)?.data;
  if (typeof data?.error === 'string') return data.error;
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : 'unknown_error';
};

const openDm = async (client: WebClient, slackUserId: string): Promise<string> => {
  const opened = await client.conversations.open({ users: slackUserId });
  const id = opened.channel?.id;
  if (!id) throw Object.assign(new Error('conversations.open returned no channel'), { code: 'no_channel' });
  return id;
};

/** Ephemeral only: in the origin channel, else in the app's DM with the user. */
export const postEphemeralWithFallback = async (
  client: WebClient,
  logger: Logger,
  target: DeliveryTarget,
  message: SlackMessage,
): Promise<DeliveryResult> => {
  const errors: string[] = [];
  const post = (channel: string) =>
    client.chat.postEphemeral({
      channel,
      user: target.slackUserId,
      text: message.text,
      blocks: message.blocks,
    });
  if (target.origin.kind === 'channel') {
    try {
      await post(target.origin.channelId);
      return { ok: true, channel: target.origin.channelId, via: 'origin' };
    } catch (error) {
      errors.push(`origin:${slackErrorCode(error)}`);
      logger.debug('ephemeral refused in the origin channel; trying the DM', {
        channel: target.origin.channelId,
        error: slackErrorCode(error),
      });
    }
  }
  try {
    const dm = await openDm(client, target.slackUserId);
    await post(dm);
    return { ok: true, channel: dm, via: 'dm' };
  } catch (error) {
    errors.push(`dm:${slackErrorCode(error)}`);
    return { ok: false, errors };
  }
};

/**
 * A notice with no secret in it: the ephemeral path first, then a plain DM, then the log.
 * Never throws; answers whether the user was told.
 */
export const notifyUser = async (
  client: WebClient,
  logger: Logger,
  target: DeliveryTarget,
  message: SlackMessage,
): Promise<boolean> => {
  const ephemeral = await postEphemeralWithFallback(client, logger, target, message);
  if (ephemeral.ok) return true;
  try {
    await client.chat.postMessage({
      channel: target.slackUserId,
      text: message.text,
      blocks: message.blocks,
    });
    return true;
  } catch (error) {
    logger.warn('could not tell a Slack user about an outcome', {
      user: target.slackUserId,
      errors: [...ephemeral.errors, `message:${slackErrorCode(error)}`],
    });
    return false;
  }
};
