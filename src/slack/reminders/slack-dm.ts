/** A direct message the way Slack documents it: conversations.open, then chat.postMessage. */
import type { WebClient } from '@slack/web-api';
import { DELIVERED, type DeliveryOutcome, type SlackAddress } from '../../reminders/reminders.models.ts';
import type { SlackMessage } from '../views/token-delivery.ts';
import { outcomeOf, RECIPIENT_GONE } from './slack-outcome.ts';

export const sendDm = async (
  client: WebClient,
  slackUserId: string,
  message: SlackMessage,
): Promise<DeliveryOutcome> => {
  try {
    const opened = await client.conversations.open({ users: slackUserId });
    const channel = opened.channel?.id;
    if (!channel) return { ok: false, permanent: false, error: 'no_channel' };
    await client.chat.postMessage({ channel, text: message.text, blocks: message.blocks });
    return DELIVERED;
  } catch (error) {
    return outcomeOf(error, RECIPIENT_GONE);
  }
};

/**
 * Folds per-recipient outcomes: delivered when anyone got it, permanent only when every
 * failure was, otherwise transient with the longest Retry-After seen.
 */
export const combineOutcomes = (outcomes: readonly DeliveryOutcome[]): DeliveryOutcome => {
  if (outcomes.length === 0) return { ok: false, permanent: true, error: 'no_recipient' };
  if (outcomes.some((o) => o.ok)) return DELIVERED;
  const failures = outcomes.filter((o): o is Extract<DeliveryOutcome, { ok: false }> => !o.ok);
  const transient = failures.filter((o) => !o.permanent);
  if (transient.length === 0) return failures[0]!;
  const retryAfter = Math.max(0, ...transient.map((o) => o.retryAfterMs ?? 0));
  return { ...transient[0]!, ...(retryAfter > 0 ? { retryAfterMs: retryAfter } : {}) };
};

/** Tries the person's identities in order; the first that takes the DM wins. */
export const dmFirstReachable = async (
  client: WebClient,
  to: readonly SlackAddress[],
  message: SlackMessage,
): Promise<DeliveryOutcome> => {
  const outcomes: DeliveryOutcome[] = [];
  for (const address of to) {
    const outcome = await sendDm(client, address.slackUserId, message);
    if (outcome.ok) return outcome;
    outcomes.push(outcome);
    // A rate limit applies to the next identity as much as to this one.
    if (outcome.retryAfterMs) break;
  }
  return combineOutcomes(outcomes);
};
