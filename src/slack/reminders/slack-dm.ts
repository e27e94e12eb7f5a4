/** A direct message the way Slack documents it: conversations.open, then chat.postMessage. */
import type { MessageMetadata } from '@slack/types';
import { ErrorCode, type WebClient } from '@slack/web-api';
import { DELIVERED, type DeliveryOutcome, type SlackAddress } from '../../reminders/reminders.models.ts';
import type { SlackMessage } from '../views/token-delivery.ts';
import { outcomeOf, RECIPIENT_GONE } from './slack-outcome.ts';

/** A DM, optionally tagged with message metadata. */
export type DmMessage = SlackMessage & { metadata?: MessageMetadata | undefined };

/**
 * A chat.postMessage that went out and got no usable answer (timeout, dropped connection,
 * 5xx): Slack may have posted it. A 429 or an `ok: false` answer means it did not.
 */
const mayHavePosted = (error: unknown): boolean => {
  const code = (error as { code?: unknown } | null)?.code;
  return code === ErrorCode.RequestError || code === ErrorCode.HTTPError;
};

export const sendDm = async (
  client: WebClient,
  slackUserId: string,
  message: DmMessage,
): Promise<DeliveryOutcome> => {
  let channel: string | undefined;
  try {
    const opened = await client.conversations.open({ users: slackUserId });
    channel = opened.channel?.id;
  } catch (error) {
    return outcomeOf(error, RECIPIENT_GONE);
  }
  if (!channel) return { ok: false, permanent: false, error: 'no_channel' };
  try {
    await client.chat.postMessage({
      channel,
      text: message.text,
      blocks: message.blocks,
      ...(message.metadata ? { metadata: message.metadata } : {}),
    });
    return DELIVERED;
  } catch (error) {
    const outcome = outcomeOf(error, RECIPIENT_GONE);
    return !outcome.ok && mayHavePosted(error) ? { ...outcome, maybeDelivered: true } : outcome;
  }
};

/**
 * Folds per-recipient outcomes: delivered when anyone got it, permanent only when every
 * failure was, otherwise transient with the longest Retry-After seen (and "maybe
 * delivered" when any of them may have been).
 */
export const combineOutcomes = (outcomes: readonly DeliveryOutcome[]): DeliveryOutcome => {
  if (outcomes.length === 0) return { ok: false, permanent: true, error: 'no_recipient' };
  if (outcomes.some((o) => o.ok)) return DELIVERED;
  const failures = outcomes.filter((o): o is Extract<DeliveryOutcome, { ok: false }> => !o.ok);
  const transient = failures.filter((o) => !o.permanent);
  if (transient.length === 0) return failures[0]!;
  const retryAfter = Math.max(0, ...transient.map((o) => o.retryAfterMs ?? 0));
  const maybe = transient.some((o) => o.maybeDelivered);
  return {
    ...transient[0]!,
    ...(retryAfter > 0 ? { retryAfterMs: retryAfter } : {}),
    ...(maybe ? { maybeDelivered: true } : {}),
  };
};

/** Tries the person's identities in order; the first that takes the DM wins. */
export const dmFirstReachable = async (
  client: WebClient,
  to: readonly SlackAddress[],
  message: DmMessage,
): Promise<DeliveryOutcome> => {
  const outcomes: DeliveryOutcome[] = [];
  for (const address of to) {
    const outcome = await sendDm(client, address.slackUserId, message);
    if (outcome.ok) return outcome;
    outcomes.push(outcome);
    // A rate limit applies to the next identity as much as to this one; and a DM that may
    // have landed must not be followed by a second one to another of the person's accounts.
    if (outcome.retryAfterMs || outcome.maybeDelivered) break;
  }
  return combineOutcomes(outcomes);
};
