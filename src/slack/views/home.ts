/**
 * The App Home. For admins it is the admin page: people with their active-token counts
 * (a page at a time), a Generate button, and the tokens expiring in the next 30 days with
 * Revoke buttons. Everyone else sees their own tokens. The page the reader is on travels in
 * private_metadata, so a change can re-render the same page.
 */
import type { HomeView, KnownBlock } from '@slack/types';
import type { TokenSummary } from '../../tokens/tokens.models.ts';
import { ACTION, CALLBACK } from '../ids.ts';
import { type Cursor, encodeCursor, noticeBlock } from './paging.ts';
import { type TokenPage, tokenListBlocks, tokenRow } from './token-list.ts';
import { type UsersPage, usersBlocks } from './users-list.ts';

export const EXPIRING_WINDOW_DAYS = 30;
/** The most expiring tokens the Home lists; with 20 people the Home stays near 80 of its 100 blocks. */
export const HOME_EXPIRING_MAX = 30;

export type HomeState = Extract<Cursor, { k: 'home' }>;

export const homeState = (users = 0, tokens = 0): HomeState => ({ k: 'home', u: users, t: tokens });

export type HomeData =
  | {
      kind: 'admin';
      command: string;
      state: HomeState;
      users: UsersPage;
      /** Soonest first; one more than HOME_EXPIRING_MAX means "there are more". */
      expiring: TokenSummary[];
      notice?: string | undefined;
    }
  | { kind: 'member'; command: string; state: HomeState; tokens: TokenPage; notice?: string | undefined }
  | { kind: 'deactivated' };

const header = (text: string): KnownBlock => ({ type: 'header', text: { type: 'plain_text', text } });
const divider: KnownBlock = { type: 'divider' };
const context = (text: string): KnownBlock => ({ type: 'context', elements: [{ type: 'mrkdwn', text }] });

const adminBlocks = (data: Extract<HomeData, { kind: 'admin' }>): KnownBlock[] => {
  const { state } = data;
  const shown = data.expiring.slice(0, HOME_EXPIRING_MAX);
  return [
    header('Tokendesk admin'),
    {
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: `Generate and revoke API tokens for anyone. \`${data.command} help\` lists every command.`,
      },
      accessory: {
        type: 'button',
        action_id: ACTION.openGenerate,
        text: { type: 'plain_text', text: 'Generate a token', emoji: true },
        style: 'primary',
      },
    },
    divider,
    noticeBlock(`*People* (${data.users.total})`),
    ...usersBlocks(data.users, (u) => ({ ...state, u }), 'home-users'),
    divider,
    noticeBlock(`*Expiring in the next ${EXPIRING_WINDOW_DAYS} days*`),
    ...(shown.length === 0
      ? [context(`No active token expires in the next ${EXPIRING_WINDOW_DAYS} days.`)]
      : shown.map((t) => tokenRow(t, state, { showOwner: true }))),
    ...(data.expiring.length > shown.length
      ? [context(`Showing the ${shown.length} soonest. \`${data.command} list @person\` shows the rest.`)]
      : []),
  ];
};

const memberBlocks = (data: Extract<HomeData, { kind: 'member' }>): KnownBlock[] => [
  header('Tokendesk'),
  context(
    `Tokendesk admins generate tokens; you can revoke your own. \`${data.command} help\` lists what you can do.`,
  ),
  divider,
  ...tokenListBlocks(data.tokens, { at: (t) => ({ ...data.state, t }) }),
];

export const homeView = (data: HomeData): HomeView => {
  if (data.kind === 'deactivated') {
    return {
      type: 'home',
      callback_id: CALLBACK.home,
      blocks: [
        noticeBlock('Your Tokendesk account is deactivated. Ask a Tokendesk admin if this is a mistake.'),
      ],
    };
  }
  const body = data.kind === 'admin' ? adminBlocks(data) : memberBlocks(data);
  return {
    type: 'home',
    callback_id: CALLBACK.home,
    private_metadata: encodeCursor(data.state),
    blocks: [...(data.notice ? [noticeBlock(data.notice)] : []), ...body],
  };
};
