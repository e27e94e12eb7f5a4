/**
 * The reminder DM a token owner gets before expiry and on expiry: which token, when it was
 * created and when it expires (in the reader's own time zone), what happens next, and a
 * button to ask the admins for a replacement. It carries message metadata naming the
 * reminder, so that Tokendesk can recognise a DM it may already have sent.
 */
import type { KnownBlock, MessageMetadata } from '@slack/types';
import type { Reminder } from '../../reminders/reminders.models.ts';
import { ACTION } from '../ids.ts';
import { slackDate } from './dates.ts';
import { tokenLabel, tokenPlain } from './reminder-format.ts';
import type { SlackMessage } from './token-delivery.ts';

export const REQUEST_RENEWAL_TEXT = 'Request a new token';

/** The metadata event type of every reminder DM. */
export const REMINDER_EVENT_TYPE = 'tokendesk_reminder';

/** `{ event_type, event_payload: { token_id, kind } }`: which reminder this DM is. */
export const reminderMetadata = (reminder: Pick<Reminder, 'kind' | 'token'>): MessageMetadata => ({
  event_type: REMINDER_EVENT_TYPE,
  event_payload: { token_id: reminder.token.id, kind: reminder.kind },
});

/** Whether a message's metadata (as conversations.history returns it) marks this reminder. */
export const isReminderMessage = (
  metadata: { event_type?: unknown; event_payload?: unknown } | undefined,
  reminder: Pick<Reminder, 'kind' | 'token'>,
): boolean => {
  if (metadata?.event_type !== REMINDER_EVENT_TYPE) return false;
  const payload = metadata.event_payload as { token_id?: unknown; kind?: unknown } | undefined;
  return payload?.token_id === reminder.token.id && payload?.kind === reminder.kind;
};

const when = (daysLeft: number) => (daysLeft <= 1 ? 'within a day' : `in ${daysLeft} days`);

export const reminderHeadline = (reminder: Reminder): string =>
  reminder.kind === 'expired'
    ? `Your API token ${tokenPlain(reminder.token)} has expired`
    : `Your API token ${tokenPlain(reminder.token)} expires ${when(reminder.daysLeft)}`;

const nextSteps = (reminder: Reminder): string =>
  reminder.kind === 'expired'
    ? 'Requests that use it are now refused. If you still need access, ask for a new token: an admin will generate one for you.'
    : `After ${slackDate(reminder.token.expiresAt, 'date')} requests that use it will be refused. ` +
      'Ask for a new token now, put it wherever this one is used, then let this one expire.';

export const reminderDm = (reminder: Reminder): SlackMessage & { metadata: MessageMetadata } => {
  const { token } = reminder;
  const title =
    reminder.kind === 'expired'
      ? `:no_entry: Your API token ${tokenLabel(token)} has expired`
      : `:hourglass_flowing_sand: Your API token ${tokenLabel(token)} expires ${when(reminder.daysLeft)}`;
  const blocks: KnownBlock[] = [
    { type: 'section', text: { type: 'mrkdwn', text: title } },
    {
      type: 'section',
      fields: [
        { type: 'mrkdwn', text: `*Created*\n${slackDate(token.createdAt, 'date')}` },
        { type: 'mrkdwn', text: `*Expiry*\n${slackDate(token.expiresAt, 'date')}` },
      ],
    },
    { type: 'section', text: { type: 'mrkdwn', text: nextSteps(reminder) } },
    {
      type: 'actions',
      block_id: `renewal|${token.id}`,
      elements: [
        {
          type: 'button',
          action_id: ACTION.requestRenewal,
          text: { type: 'plain_text', text: REQUEST_RENEWAL_TEXT, emoji: true },
          style: 'primary',
          value: token.id,
        },
      ],
    },
  ];
  return { text: `${reminderHeadline(reminder)}.`, blocks, metadata: reminderMetadata(reminder) };
};
