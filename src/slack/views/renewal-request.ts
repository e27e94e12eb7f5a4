/**
 * A token owner pressed "Request a new token": the admins' message (with a Generate button
 * prefilled for the owner) and the owner's confirmation.
 */
import type { KnownBlock } from '@slack/types';
import type { TokenSummary } from '../../tokens/tokens.models.ts';
import { ACTION } from '../ids.ts';
import { slackDate } from './dates.ts';
import { personLabel } from './paging.ts';
import { personText, tokenLabel, tokenPlain } from './reminder-format.ts';
import type { SlackMessage } from './token-delivery.ts';

export const GENERATE_TEXT = 'Generate';

export const renewalRequestForAdmins = (
  token: TokenSummary,
  requester: { slackUserId?: string | undefined },
): SlackMessage => {
  const who = requester.slackUserId ? `<@${requester.slackUserId}>` : personLabel(token.owner);
  const state = token.status === 'expired' ? 'expired' : 'expires';
  const blocks: KnownBlock[] = [
    {
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: `:arrows_counterclockwise: ${who} asks for a new API token to replace ${tokenLabel(token)}.`,
      },
    },
    {
      type: 'section',
      fields: [
        { type: 'mrkdwn', text: `*Owner*\n${personLabel(token.owner)}` },
        { type: 'mrkdwn', text: `*Created*\n${slackDate(token.createdAt, 'date')}` },
        { type: 'mrkdwn', text: `*Expiry* (${state})\n${slackDate(token.expiresAt, 'date')}` },
      ],
    },
    {
      type: 'actions',
      block_id: `renewal_request|${token.id}`,
      elements: [
        {
          type: 'button',
          action_id: ACTION.openGenerate,
          text: { type: 'plain_text', text: GENERATE_TEXT, emoji: true },
          style: 'primary',
          value: token.owner.id,
        },
      ],
    },
  ];
  return {
    text: `${personText(token.owner)} asks for a new API token to replace ${tokenPlain(token)}.`,
    blocks,
  };
};

const section = (text: string): SlackMessage => ({
  text,
  blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }],
});

export const renewalRequested = (
  token: Pick<TokenSummary, 'id' | 'name'>,
  adminsTold: boolean,
): SlackMessage =>
  adminsTold
    ? section(
        `:white_check_mark: The Tokendesk admins have been asked for a new token to replace ${tokenLabel(token)}. ` +
          'An admin will send it to you.',
      )
    : section(
        `:warning: Your request for a new token to replace ${tokenLabel(token)} is recorded, ` +
          'but Slack did not let Tokendesk tell the admins just now. Please ask an admin directly.',
      );

export const renewalAlreadyRequested = (token: Pick<TokenSummary, 'id' | 'name'>, at: Date): SlackMessage =>
  section(
    `:hourglass: You already asked for a new token to replace ${tokenLabel(token)} ` +
      `(${slackDate(at, 'datetime')}); the admins have it in hand.`,
  );
