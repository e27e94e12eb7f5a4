/** `/apitoken admins`: who administers Tokendesk, and what a grant or revoke did. */
import type { KnownBlock } from '@slack/types';
import type { User } from '../../db/schema.ts';
import { LIMITS, noticeBlock, personLabel } from './paging.ts';

type Person = Pick<User, 'email' | 'displayName'>;

const label = (p: Person) => personLabel({ email: p.email, name: p.displayName });

/** Lines packed into as few sections as Slack's 3000 characters allow, the rest summarized. */
const packLines = (lines: string[], maxBlocks: number): KnownBlock[] => {
  const blocks: KnownBlock[] = [];
  let current = '';
  let used = 0;
  for (const line of lines) {
    if (current && current.length + 1 + line.length > LIMITS.sectionText) {
      if (blocks.length === maxBlocks - 1) break;
      blocks.push(noticeBlock(current));
      current = '';
    }
    current = current ? `${current}\n${line}` : line;
    used += 1;
  }
  if (current) blocks.push(noticeBlock(current));
  if (used < lines.length) {
    blocks.push({
      type: 'context',
      elements: [{ type: 'mrkdwn', text: `…and ${lines.length - used} more.` }],
    });
  }
  return blocks;
};

export const adminsMessage = (
  admins: Person[],
  command: string,
  notice?: string,
): { text: string; blocks: KnownBlock[] } => {
  const count = admins.length === 1 ? '1 admin' : `${admins.length} admins`;
  const lines = admins.map((a) => `• ${label(a)}`);
  const reserved = (notice ? 1 : 0) + 2 + 1;
  return {
    text: notice ?? `Tokendesk has ${count}`,
    blocks: [
      ...(notice ? [noticeBlock(notice)] : []),
      noticeBlock(`*Tokendesk admins* (${count})`),
      ...packLines(lines, LIMITS.messageBlocks - reserved),
      {
        type: 'context',
        elements: [
          {
            type: 'mrkdwn',
            text: `\`${command} admins grant @person\` adds an admin; \`${command} admins revoke @person\` removes one. The last admin cannot be removed.`,
          },
        ],
      },
    ],
  };
};

export const adminChangeText = (op: 'grant' | 'revoke', person: Person, changed: boolean): string => {
  if (op === 'grant') {
    return changed
      ? `:white_check_mark: ${label(person)} is now a Tokendesk admin.`
      : `${label(person)} is already a Tokendesk admin; nothing changed.`;
  }
  return changed
    ? `:white_check_mark: ${label(person)} is no longer a Tokendesk admin.`
    : `${label(person)} is not a Tokendesk admin; nothing changed.`;
};
