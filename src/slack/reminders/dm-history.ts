/**
 * Did an earlier attempt deliver this reminder? Each reminder DM carries message metadata
 * naming its token and kind (see reminder-dm.ts); this reads the bot's DM with each of the
 * owner's identities since the attempt began (conversations.history with
 * `include_all_metadata`, which needs the im:history scope) and looks for it.
 */
import { ErrorCode, type WebClient } from '@slack/web-api';
import type { DeliveryLookup, Reminder, SlackAddress } from '../../reminders/reminders.models.ts';
import { isReminderMessage } from '../views/reminder-dm.ts';
import { outcomeOf, slackErrorCode } from './slack-outcome.ts';

/**
 * How far before the recorded start of the attempt to look: the start is the database's
 * clock, message timestamps are Slack's. A wider window costs only a longer read; a match
 * must name this very token and kind, so an older message cannot be mistaken for it.
 */
export const HISTORY_MARGIN_MS = 15 * 60_000;

const PAGE_SIZE = 200;
const MAX_PAGES = 10;

/** Slack's "seconds.micro" timestamp for an instant. */
export const slackTs = (at: Date): string => `${Math.floor(at.getTime() / 1000)}.000000`;

/** A failed read: Slack refused it (scope, channel) or could not answer just now. */
const readFailure = (error: unknown): DeliveryLookup => {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === ErrorCode.PlatformError) return { kind: 'unavailable', error: slackErrorCode(error) };
  const outcome = outcomeOf(error);
  return outcome.ok
    ? { kind: 'failed', error: 'unknown_error' }
    : { kind: 'failed', error: outcome.error, retryAfterMs: outcome.retryAfterMs };
};

/** Looks through one DM channel; `not_found` once the whole window has been read. */
const searchChannel = async (
  client: WebClient,
  channel: string,
  reminder: Reminder,
  oldest: string,
): Promise<DeliveryLookup> => {
  let cursor: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const history = await client.conversations.history({
      channel,
      oldest,
      include_all_metadata: true,
      limit: PAGE_SIZE,
      ...(cursor ? { cursor } : {}),
    });
    if ((history.messages ?? []).some((m) => isReminderMessage(m.metadata, reminder))) {
      return { kind: 'found' };
    }
    cursor = history.response_metadata?.next_cursor || undefined;
    if (!history.has_more || !cursor) return { kind: 'not_found' };
  }
  // Thousands of DMs since the attempt: not worth reading further; say we cannot tell.
  return { kind: 'unavailable', error: 'history_too_long' };
};

export const findDeliveredDm = async (
  client: WebClient,
  to: readonly SlackAddress[],
  reminder: Reminder,
  since: Date,
): Promise<DeliveryLookup> => {
  const oldest = slackTs(new Date(since.getTime() - HISTORY_MARGIN_MS));
  let verdict: DeliveryLookup = { kind: 'not_found' };
  for (const address of to) {
    let channel: string | undefined;
    try {
      channel = (await client.conversations.open({ users: address.slackUserId })).channel?.id;
    } catch (error) {
      const failure = readFailure(error);
      // An identity Slack will not open a DM with (gone, a bot) cannot have received one since.
      if (failure.kind === 'unavailable') continue;
      return failure;
    }
    if (!channel) return { kind: 'failed', error: 'no_channel' };
    let found: DeliveryLookup;
    try {
      found = await searchChannel(client, channel, reminder, oldest);
    } catch (error) {
      found = readFailure(error);
    }
    if (found.kind === 'found' || found.kind === 'failed') return found;
    // One unreadable identity makes the whole answer "cannot tell", unless another has it.
    if (found.kind === 'unavailable') verdict = found;
  }
  return verdict;
};
