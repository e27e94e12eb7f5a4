/**
 * Told to the admins after someone was offboarded (Slack reported their account deleted, or
 * an operator ran `tokendesk users deactivate`): their Tokendesk account is deactivated and
 * these tokens were revoked. Names and public ids only; a secret is never stored, so it
 * cannot appear here. When nobody is left to administer Tokendesk, it says so, and how to fix it.
 */
import type { KnownBlock } from '@slack/types';
import { NO_ADMIN_LEFT_HINT, type OffboardingNotice } from '../../offboarding/offboarding-notices.models.ts';
import { clamp, LIMITS, personLabel } from './paging.ts';
import { personText, tokenLabel } from './reminder-format.ts';
import type { SlackMessage } from './token-delivery.ts';

/** Lines of one section; what does not fit is counted instead of listed. */
const tokenLines = (tokens: readonly { id: string; name: string }[]): string => {
  const lines: string[] = [];
  let length = 0;
  for (const [i, token] of tokens.entries()) {
    const line = `• ${tokenLabel(token)}`;
    const rest = tokens.length - i;
    // Leave room for the "…and N more" line.
    if (length + line.length + 1 > LIMITS.sectionText - 40) {
      lines.push(`…and ${rest} more`);
      break;
    }
    lines.push(line);
    length += line.length + 1;
  }
  return lines.join('\n');
};

const HOW: Record<string, string> = {
  slack: 'was deactivated in Slack, so Tokendesk deactivated their account',
  cli: 'was offboarded with `tokendesk users deactivate`: Tokendesk deactivated their account',
};

export const offboardingNotice = (
  notice: Pick<OffboardingNotice, 'user' | 'revoked' | 'source' | 'slackUserId' | 'noAdminLeft'>,
): SlackMessage => {
  const { user, revoked } = notice;
  const slack = notice.slackUserId ? ` (<@${notice.slackUserId}>)` : '';
  const how = HOW[notice.source] ?? 'was offboarded: Tokendesk deactivated their account';
  const head =
    `:door: ${personLabel(user)}${slack} ${how}` +
    (revoked.length === 0
      ? '. They had no active API tokens.'
      : ` and revoked ${revoked.length === 1 ? 'their API token' : `their ${revoked.length} API tokens`}:`);
  const blocks: KnownBlock[] = [{ type: 'section', text: { type: 'mrkdwn', text: clamp(head, 3000) } }];
  if (revoked.length > 0)
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: tokenLines(revoked) } });
  if (notice.noAdminLeft)
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: `:warning: ${NO_ADMIN_LEFT_HINT}` } });
  return {
    text: clamp(
      `${personText(user)} was offboarded; Tokendesk revoked ${revoked.length} API token(s).` +
        (notice.noAdminLeft ? ' No active Tokendesk admin remains.' : ''),
      LIMITS.fallbackText,
    ),
    blocks,
  };
};
