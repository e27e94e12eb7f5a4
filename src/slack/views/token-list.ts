/**
 * Token lists (one owner's tokens, a page at a time) as a message or a modal, and the single
 * token card `revoke <id>` answers with. Metadata only: a TokenSummary has no secret or hash.
 */
import type { KnownBlock, ModalView, SectionBlock } from '@slack/types';
import type { TokenStatus, TokenSummary } from '../../tokens/tokens.models.ts';
import { CALLBACK } from '../ids.ts';
import { slackDate } from './dates.ts';
import {
  type Cursor,
  clamp,
  encodeCursor,
  LIMITS,
  noticeBlock,
  offsetLinks,
  pageSummary,
  pagingBlock,
  personLabel,
  safe,
  tokenRowBlockId,
} from './paging.ts';
import { revokeButton } from './revoke.ts';

/** 25 rows keep a page well inside a message's 50 blocks, with room for header, notice and paging. */
export const TOKENS_PER_PAGE = 25;

export interface TokenPage {
  owner: { id: string; email: string; name: string | null };
  /** The reader owns these tokens ("Your API tokens"). */
  isSelf: boolean;
  items: TokenSummary[];
  total: number;
  offset: number;
}

const STATUS: Record<TokenStatus, string> = {
  active: ':large_green_circle: active',
  expired: ':hourglass_flowing_sand: expired',
  revoked: ':no_entry: revoked',
};

/** One token's metadata as mrkdwn. */
export const tokenText = (token: TokenSummary, options: { showOwner?: boolean } = {}): string => {
  const lines = [`*${safe(token.name, 64)}*  \`${token.id}\`  ·  ${STATUS[token.status]}`];
  if (options.showOwner) lines.push(`Owner: ${personLabel(token.owner)}`);
  const expiry = token.status === 'expired' ? 'Expired' : 'Expires';
  const from =
    token.lastUsedAt && token.lastUsedIp ? ` from \`${safe(token.lastUsedIp.replace(/`/g, ''), 45)}\`` : '';
  lines.push(
    `Created ${slackDate(token.createdAt)}  ·  ${expiry} ${slackDate(token.expiresAt)}  ·  ` +
      `Last used ${token.lastUsedAt ? `${slackDate(token.lastUsedAt)}${from}` : 'never'}`,
  );
  if (token.revokedAt) {
    const reason = token.revokeReason ? ` (${safe(token.revokeReason, 200)})` : '';
    lines.push(`Revoked ${slackDate(token.revokedAt)}${reason}`);
  }
  return clamp(lines.join('\n'), LIMITS.sectionText);
};

/** A token as a section; active tokens carry the confirm-guarded Revoke button. */
export const tokenRow = (
  token: TokenSummary,
  cursor: Cursor,
  options: { showOwner?: boolean } = {},
): SectionBlock => ({
  type: 'section',
  block_id: tokenRowBlockId(token.id, cursor),
  text: { type: 'mrkdwn', text: tokenText(token, options) },
  ...(token.status === 'active' ? { accessory: revokeButton(token) } : {}),
});

const heading = (page: TokenPage): string =>
  page.isSelf ? '*Your API tokens*' : `*API tokens of ${personLabel(page.owner)}*`;

const emptyText = (page: TokenPage): string =>
  page.isSelf
    ? 'You have no API tokens. Ask a Tokendesk admin when you need one.'
    : `${personLabel(page.owner)} has no API tokens.`;

/**
 * The blocks of one page; the same for a message, a modal and the Home (at most 29 blocks).
 * `at` builds the cursor of another page: the Home pages through its own cursor kind.
 */
export const tokenListBlocks = (
  page: TokenPage,
  options: { notice?: string | undefined; at?: (offset: number) => Cursor } = {},
): KnownBlock[] => {
  const { notice } = options;
  const at = options.at ?? ((p: number): Cursor => ({ k: 'tokens', o: page.owner.id, p }));
  const here = at(page.offset);
  const items = page.items.slice(0, TOKENS_PER_PAGE);
  const paging = pagingBlock(offsetLinks(page.offset, TOKENS_PER_PAGE, page.total, at), 'tokens');
  return [
    ...(notice ? [noticeBlock(notice)] : []),
    { type: 'section', text: { type: 'mrkdwn', text: heading(page) } },
    ...(items.length === 0
      ? [noticeBlock(page.offset > 0 ? 'No tokens on this page any more.' : emptyText(page))]
      : items.map((t) => tokenRow(t, here))),
    ...(page.total > 0 ? [pageSummary(page.offset, items.length, page.total, 'tokens')] : []),
    ...(paging ? [paging] : []),
  ];
};

export const tokenListMessage = (
  page: TokenPage,
  notice?: string,
): { text: string; blocks: KnownBlock[] } => ({
  text: notice ?? (page.isSelf ? 'Your API tokens' : `API tokens of ${page.owner.email}`),
  blocks: tokenListBlocks(page, { notice }),
});

/** The same page in a modal (View tokens on the App Home has no message to answer in). */
export const tokenListModal = (page: TokenPage, notice?: string): ModalView => ({
  type: 'modal',
  callback_id: CALLBACK.tokensModal,
  title: { type: 'plain_text', text: 'API tokens' },
  close: { type: 'plain_text', text: 'Close' },
  private_metadata: encodeCursor({ k: 'tokens', o: page.owner.id, p: page.offset }),
  blocks: tokenListBlocks(page, { notice }),
});

/**
 * The answer to `revoke <id>`: the token's metadata and the same confirm-guarded button the
 * lists show, so that nothing is revoked until the person confirms.
 */
export const revokeCardMessage = (
  token: TokenSummary,
  notice?: string,
): { text: string; blocks: KnownBlock[] } => {
  const footnote =
    token.status === 'active'
      ? 'Nothing is revoked until you press *Revoke* and confirm.'
      : `This token is ${token.status}; there is nothing left to revoke.`;
  return {
    text: notice ?? `Token ${token.id}: ${token.status}`,
    blocks: [
      ...(notice ? [noticeBlock(notice)] : []),
      tokenRow(token, { k: 'token', id: token.id }, { showOwner: true }),
      { type: 'context', elements: [{ type: 'mrkdwn', text: footnote }] },
    ],
  };
};
