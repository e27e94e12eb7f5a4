/**
 * What the admins get when an owner could not be reached about a reminder (no Slack
 * account linked, or Slack refused the DM for good): the same facts, why, and a Generate
 * button prefilled for the owner, and for an owner Slack cannot pick the CLI command
 * that makes their token.
 */
import type { KnownBlock } from '@slack/types';
import type { EscalationReason, Reminder } from '../../reminders/reminders.models.ts';
import { ACTION } from '../ids.ts';
import { slackDate } from './dates.ts';
import { personLabel } from './paging.ts';
import { cliCreateCommand, personText, tokenLabel, tokenPlain } from './reminder-format.ts';
import type { SlackMessage } from './token-delivery.ts';

const REASONS: Record<string, string> = {
  no_slack_identity: 'they have no Slack account linked to Tokendesk',
  user_not_found: 'Slack does not know their account any more',
  account_inactive: 'their Slack account is deactivated',
  cannot_dm_bot: 'their Slack account is a bot',
  channel_not_found: 'Slack could not open a DM with them',
};

/** An error code as it may appear in a message: letters, digits and underscores only. */
const code = (error: string) => error.replace(/[^a-z0-9_]/gi, '').slice(0, 60);

export const escalationReasonText = (reason: EscalationReason): string => {
  if (reason.kind === 'no_slack_identity') return REASONS.no_slack_identity as string;
  if (reason.kind === 'gave_up') {
    return `the DM kept failing and Tokendesk gave up after ${reason.attempts} attempts (last error: ${code(reason.error)}); check the Slack app's token and scopes`;
  }
  return REASONS[reason.error] ?? `Slack refused the DM (${code(reason.error)})`;
};

/**
 * Someone without a linked Slack account cannot be picked in the generate modal: say how
 * to make their token instead, with the exact command.
 */
export const offSlackHint = (owner: { email: string }): KnownBlock => ({
  type: 'section',
  text: {
    type: 'mrkdwn',
    text:
      `They cannot be picked in Slack, so make the replacement from the command line: ${cliCreateCommand(owner.email)} ` +
      '(add `--name` and `--expires-in` as needed). It prints the token once; pass it on the way your team shares secrets.',
  },
});

export const reminderEscalation = (reminder: Reminder, reason: EscalationReason): SlackMessage => {
  const { token, owner } = reminder;
  const state = reminder.kind === 'expired' ? 'has expired' : `expires in ${reminder.daysLeft} day(s)`;
  const blocks: KnownBlock[] = [
    {
      type: 'section',
      text: {
        type: 'mrkdwn',
        text:
          `:warning: The API token ${tokenLabel(token)} of ${personLabel(owner)} ${state}, ` +
          `but Tokendesk could not tell them: ${escalationReasonText(reason)}.`,
      },
    },
    {
      type: 'section',
      fields: [
        { type: 'mrkdwn', text: `*Created*\n${slackDate(token.createdAt, 'date')}` },
        { type: 'mrkdwn', text: `*Expiry*\n${slackDate(token.expiresAt, 'date')}` },
      ],
    },
    ...(reason.kind === 'no_slack_identity' ? [offSlackHint(owner)] : []),
    {
      type: 'actions',
      block_id: `escalation|${token.id}`,
      elements: [
        {
          type: 'button',
          action_id: ACTION.openGenerate,
          text: { type: 'plain_text', text: 'Generate', emoji: true },
          value: owner.id,
        },
      ],
    },
  ];
  return {
    text: `Could not reach ${personText(owner)}: their API token ${tokenPlain(token)} ${state}.`,
    blocks,
  };
};
