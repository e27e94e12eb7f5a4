/**
 * The one message that ever carries a plaintext token: an ephemeral for the admin who
 * generated it. The token lives in the blocks only; the fallback `text` is what Slack
 * puts into notifications and previews, so it names the token but never holds it.
 */
import type { KnownBlock } from '@slack/types';
import type { TokenSummary } from '../../tokens/tokens.models.ts';
import { ACTION } from '../ids.ts';
import { slackDate } from './dates.ts';
import { escapeText } from './paging.ts';

export interface SlackMessage {
  text: string;
  blocks: KnownBlock[];
}

/** Plain-text fallback: no markup, and short enough for a notification. */
const ownerLabel = (owner: TokenSummary['owner']) =>
  owner.name ? `${owner.name} (${owner.email})` : owner.email;

export const tokenDeliveryMessage = (plaintext: string, summary: TokenSummary): SlackMessage => {
  const owner = escapeText(ownerLabel(summary.owner));
  const name = escapeText(summary.name);
  return {
    text: `New API token "${summary.name}" for ${ownerLabel(summary.owner)}. Open Slack to copy it; it is shown only once.`,
    blocks: [
      {
        type: 'section',
        text: { type: 'mrkdwn', text: `:key: *New API token for ${owner}*` },
      },
      {
        type: 'section',
        text: { type: 'mrkdwn', text: `\`${plaintext}\`` },
      },
      {
        type: 'section',
        fields: [
          { type: 'mrkdwn', text: `*Name*\n${name}` },
          { type: 'mrkdwn', text: `*For*\n${owner}` },
          { type: 'mrkdwn', text: `*Created*\n${slackDate(summary.createdAt)}` },
          { type: 'mrkdwn', text: `*Expires*\n${slackDate(summary.expiresAt)}` },
          { type: 'mrkdwn', text: `*Token id*\n\`${summary.id}\`` },
        ],
      },
      {
        type: 'context',
        elements: [
          {
            type: 'mrkdwn',
            text: ':warning: *Shown only once — copy it now.* Tokendesk keeps only a hash and cannot show it again. Hand it to its owner through a safe channel, then press Done.',
          },
        ],
      },
      {
        type: 'actions',
        elements: [
          {
            type: 'button',
            action_id: ACTION.dismissToken,
            style: 'primary',
            text: { type: 'plain_text', text: 'Done', emoji: true },
            // The token id, never the secret: button values come back in payloads and logs.
            value: summary.id,
          },
        ],
      },
    ],
  };
};

/** What replaces the message when Slack will not delete it. */
export const TOKEN_HIDDEN_TEXT = 'Token hidden.';

/** The admin's notice when no ephemeral could carry the token: it was revoked, nothing leaked. */
export const undeliveredMessage = (summary: TokenSummary): SlackMessage => {
  const text = `:warning: Tokendesk could not show you the new token "${summary.name}" for ${ownerLabel(summary.owner)}, so it revoked it at once (id ${summary.id}). Nothing else changed; please generate it again.`;
  return { text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text: escapeText(text) } }] };
};

/** A short notice (refusals, failures) as an ephemeral message. */
export const noticeMessage = (text: string): SlackMessage => ({
  text,
  blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }],
});
