/**
 * Told to the admins after Slack reported someone deactivated: their Tokendesk account is
 * deactivated too and these tokens were revoked. Names and public ids only; a secret is
 * never stored, so it cannot appear here.
 */
import type { KnownBlock } from '@slack/types';
import { clampText, MESSAGE_LIMITS, personLabel, personText, tokenLabel } from './reminder-format.ts';
import type { SlackMessage } from './token-delivery.ts';

export interface OffboardedUser {
  email: string;
  name: string | null;
}

/** Lines of one section; what does not fit is counted instead of listed. */
const tokenLines = (tokens: readonly { id: string; name: string }[]): string => {
  const lines: string[] = [];
  let length = 0;
  for (const [i, token] of tokens.entries()) {
    const line = `• ${tokenLabel(token)}`;
    const rest = tokens.length - i;
    // Leave room for the "…and N more" line.
    if (length + line.length + 1 > MESSAGE_LIMITS.sectionText - 40) {
      lines.push(`…and ${rest} more`);
      break;
    }
    lines.push(line);
    length += line.length + 1;
  }
  return lines.join('\n');
};

export const offboardingNotice = (
  user: OffboardedUser,
  revoked: readonly { id: string; name: string }[],
  source: { slackUserId?: string | undefined },
): SlackMessage => {
  const slack = source.slackUserId ? ` (<@${source.slackUserId}>)` : '';
  const head =
    `:door: ${personLabel(user)}${slack} was deactivated in Slack, so Tokendesk deactivated their account` +
    (revoked.length === 0
      ? '. They had no active API tokens.'
      : ` and revoked ${revoked.length === 1 ? 'their API token' : `their ${revoked.length} API tokens`}:`);
  const blocks: KnownBlock[] = [{ type: 'section', text: { type: 'mrkdwn', text: clampText(head, 3000) } }];
  if (revoked.length > 0)
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: tokenLines(revoked) } });
  return {
    text: clampText(
      `${personText(user)} was deactivated in Slack; Tokendesk revoked ${revoked.length} API token(s).`,
      MESSAGE_LIMITS.fallbackText,
    ),
    blocks,
  };
};
