/**
 * People and their active-token counts, a page at a time, each with "View tokens" and
 * "Generate" (the generate modal is another module's; this only renders its button).
 * Used by `/apitoken users` and by the admins' App Home.
 */
import type { ActionsBlock, Button, KnownBlock } from '@slack/types';
import type { User } from '../../db/schema.ts';
import { ACTION, BLOCK } from '../ids.ts';
import { type Cursor, noticeBlock, offsetLinks, pageSummary, pagingBlock, personLabel } from './paging.ts';

/** Two blocks a person: 20 people fill 40 of a message's 50 blocks. */
export const USERS_PER_PAGE = 20;

export type UserSummary = Pick<User, 'id' | 'email' | 'displayName' | 'role' | 'deactivatedAt'> & {
  activeTokens: number;
};

export interface UsersPage {
  items: UserSummary[];
  total: number;
  offset: number;
}

const button = (actionId: string, text: string, value: string, primary = false): Button => ({
  type: 'button',
  action_id: actionId,
  text: { type: 'plain_text', text, emoji: true },
  value,
  ...(primary ? { style: 'primary' as const } : {}),
});

const countText = (n: number) => (n === 1 ? '1 active token' : `${n} active tokens`);

export const userRowBlocks = (user: UserSummary): KnownBlock[] => {
  const person = personLabel({ email: user.email, name: user.displayName }, 200);
  const state = user.deactivatedAt ? '  ·  _deactivated_' : '';
  const actions: ActionsBlock = {
    type: 'actions',
    block_id: `${BLOCK.userRow}|${user.id}`,
    elements: [
      button(ACTION.viewTokens, 'View tokens', user.id),
      // A deactivated person cannot be given a token, so no button invites it.
      ...(user.deactivatedAt ? [] : [button(ACTION.openGenerate, 'Generate', user.id, true)]),
    ],
  };
  return [
    {
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: `*${person}*  ·  ${user.role}  ·  ${countText(user.activeTokens)}${state}`,
      },
    },
    actions,
  ];
};

/** One page of people; `at` builds the cursor of another page (a message and the Home page differently). */
export const usersBlocks = (
  page: UsersPage,
  at: (offset: number) => Cursor,
  scope = 'users',
): KnownBlock[] => {
  const items = page.items.slice(0, USERS_PER_PAGE);
  const paging = pagingBlock(offsetLinks(page.offset, USERS_PER_PAGE, page.total, at), scope);
  return [
    ...(items.length === 0 ? [noticeBlock('No people on this page.')] : items.flatMap(userRowBlocks)),
    ...(page.total > 0 ? [pageSummary(page.offset, items.length, page.total, 'people')] : []),
    ...(paging ? [paging] : []),
  ];
};

export const usersListMessage = (page: UsersPage): { text: string; blocks: KnownBlock[] } => ({
  text: `Tokendesk users (${page.total})`,
  blocks: [
    { type: 'section', text: { type: 'mrkdwn', text: '*People and their API tokens*' } },
    ...usersBlocks(page, (p) => ({ k: 'users', p })),
  ],
});
