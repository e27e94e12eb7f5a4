/**
 * What every list view shares: Slack's size limits, safe text, and page cursors.
 *
 * A cursor is the small JSON a Next/Previous button carries as its value, and the context a
 * token row carries in its block id, so a click can re-render exactly the page it came from
 * (ephemeral messages are not sent back to the app, so the app must be able to rebuild them).
 * Cursors arrive from the network: `decodeCursor` trusts nothing and the use-cases re-check
 * authorization on every page.
 */
import type { ActionsBlock, Button, ContextBlock, KnownBlock } from '@slack/types';
import { ACTION, BLOCK } from '../ids.ts';

/** Slack's documented limits, the ones these views can reach. */
export const LIMITS = {
  messageBlocks: 50,
  viewBlocks: 100,
  sectionText: 3000,
  /** The notification text beside blocks; Slack truncates far later, but nobody reads that much. */
  fallbackText: 3000,
  contextElementText: 3000,
  buttonText: 75,
  buttonValue: 2000,
  confirmTitle: 100,
  confirmText: 300,
  confirmButton: 30,
  privateMetadata: 3000,
  id: 255,
  modalTitle: 24,
} as const;

/** Shortens to at most `max` characters, marking the cut. */
export const clamp = (text: string, max: number): string =>
  text.length <= max ? text : `${text.slice(0, Math.max(0, max - 1))}…`;

/** Escapes the three characters Slack mrkdwn treats as control characters. */
export const escapeText = (text: string): string =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** User-supplied text for mrkdwn: control characters flattened, escaped, clamped (before escaping grows it). */
export const safe = (text: string, max: number): string =>
  // biome-ignore lint/suspicious/noControlCharactersInRegex: flattening control characters is the point.
  escapeText(clamp(text.replace(/[\u0000-\u001f\u007f]+/g, ' '), max));

/** How a person is named in a view: display name and e-mail, both escaped and bounded. */
export const personLabel = (person: { email: string; name: string | null }, max = 120): string => {
  const name = person.name?.trim();
  return name && name.toLowerCase() !== person.email.toLowerCase()
    ? `${safe(name, Math.floor(max / 2))} (${safe(person.email, Math.ceil(max / 2))})`
    : safe(person.email, max);
};

export type Cursor =
  /** One owner's tokens from offset `p`. */
  | { k: 'tokens'; o: string; p: number }
  /** The single-token card `revoke <id>` answers with. */
  | { k: 'token'; id: string }
  /** All users from offset `p`. */
  | { k: 'users'; p: number }
  /** Audit events before id `b` (absent = newest), optionally about user `s`; `h` = earlier `b`s, 0 = newest. */
  | { k: 'audit'; s?: string; b?: number; h: number[] }
  /** The App Home: users page offset `u`, own tokens offset `t`. */
  | { k: 'home'; u: number; t: number };

export const MAX_CURSOR_LENGTH = 2000;
/** Audit "Previous" remembers at most this many pages back; older history falls back to the newest page. */
export const MAX_AUDIT_HISTORY = 100;
const MAX_OFFSET = 10_000_000;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const PUBLIC_ID = /^[0-9A-Za-z]{12}$/;

export const isUuid = (value: unknown): value is string => typeof value === 'string' && UUID.test(value);

const offset = (value: unknown): value is number =>
  typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= MAX_OFFSET;
const positiveId = (value: unknown): value is number =>
  typeof value === 'number' && Number.isSafeInteger(value) && value > 0;

export const encodeCursor = (cursor: Cursor): string => JSON.stringify(cursor);

/** The cursor in a button value or block id, or undefined for anything malformed or oversized. */
export const decodeCursor = (raw: string | undefined): Cursor | undefined => {
  if (!raw || raw.length > MAX_CURSOR_LENGTH) return undefined;
  let data: unknown;
  try {
    data = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) return undefined;
  const c = data as Record<string, unknown>;
  switch (c.k) {
    case 'tokens':
      return isUuid(c.o) && offset(c.p) ? { k: 'tokens', o: c.o, p: c.p } : undefined;
    case 'token':
      return typeof c.id === 'string' && PUBLIC_ID.test(c.id) ? { k: 'token', id: c.id } : undefined;
    case 'users':
      return offset(c.p) ? { k: 'users', p: c.p } : undefined;
    case 'home':
      return offset(c.u) && offset(c.t) ? { k: 'home', u: c.u, t: c.t } : undefined;
    case 'audit': {
      if (c.s !== undefined && !isUuid(c.s)) return undefined;
      if (c.b !== undefined && !positiveId(c.b)) return undefined;
      const h = c.h;
      if (!Array.isArray(h) || h.length > MAX_AUDIT_HISTORY) return undefined;
      if (!h.every((x) => x === 0 || positiveId(x))) return undefined;
      return {
        k: 'audit',
        ...(c.s !== undefined ? { s: c.s } : {}),
        ...(c.b !== undefined ? { b: c.b } : {}),
        h: h as number[],
      };
    }
    default:
      return undefined;
  }
};

/** The audit page after `current`, starting below event id `lastId`. */
export const olderAudit = (current: Extract<Cursor, { k: 'audit' }>, lastId: number): Cursor => ({
  k: 'audit',
  ...(current.s ? { s: current.s } : {}),
  b: lastId,
  h: [...current.h, current.b ?? 0].slice(-MAX_AUDIT_HISTORY),
});

/** The audit page before `current`; when the history ran out, the newest page. */
export const newerAudit = (current: Extract<Cursor, { k: 'audit' }>): Cursor => {
  const h = current.h.slice(0, -1);
  const b = current.h.at(-1);
  return { k: 'audit', ...(current.s ? { s: current.s } : {}), ...(b ? { b } : {}), h };
};

/** "Showing 26–50 of 300" under a page. */
export const pageSummary = (
  offsetFrom: number,
  shown: number,
  total: number,
  noun: string,
): ContextBlock => ({
  type: 'context',
  elements: [
    {
      type: 'mrkdwn',
      text:
        shown === 0 ? `No ${noun}.` : `Showing ${offsetFrom + 1}–${offsetFrom + shown} of ${total} ${noun}.`,
    },
  ],
});

const pageButton = (actionId: string, text: string, cursor: Cursor): Button => ({
  type: 'button',
  action_id: actionId,
  text: { type: 'plain_text', text, emoji: true },
  value: encodeCursor(cursor),
});

/**
 * Previous/Next buttons, or nothing when there is one page. `scope` keeps the block id unique when a
 * surface pages two lists (the Home pages users and tokens).
 */
export const pagingBlock = (
  links: { previous?: Cursor | undefined; next?: Cursor | undefined },
  scope = 'list',
): ActionsBlock | undefined => {
  const elements: Button[] = [];
  if (links.previous) elements.push(pageButton(ACTION.pagePrevious, '← Previous', links.previous));
  if (links.next) elements.push(pageButton(ACTION.page, 'Next →', links.next));
  if (elements.length === 0) return undefined;
  return { type: 'actions', block_id: `${BLOCK.paging}|${scope}`, elements };
};

/** Offset-based previous/next for a page of `perPage` starting at `from` out of `total`. */
export const offsetLinks = <C extends Cursor>(
  from: number,
  perPage: number,
  total: number,
  at: (offset: number) => C,
): { previous?: C; next?: C } => ({
  ...(from > 0 ? { previous: at(Math.max(0, from - perPage)) } : {}),
  ...(from + perPage < total ? { next: at(from + perPage) } : {}),
});

/**
 * A token row's block id: `token|<token id>|<cursor>`. Unique per token within a surface, and
 * it tells the revoke handler which page to re-render. A cursor that would push the id past
 * Slack's 255 characters is left out; the handler then shows the single token instead.
 */
export const tokenRowBlockId = (tokenId: string, cursor: Cursor): string => {
  const full = `${BLOCK.tokenRow}|${tokenId}|${encodeCursor(cursor)}`;
  return full.length <= LIMITS.id ? full : `${BLOCK.tokenRow}|${tokenId}`;
};

export const parseTokenRowBlockId = (blockId: string | undefined): { tokenId: string; cursor?: Cursor } => {
  const [prefix, tokenId, ...rest] = (blockId ?? '').split('|');
  if (prefix !== BLOCK.tokenRow || !tokenId) return { tokenId: '' };
  const cursor = decodeCursor(rest.join('|'));
  return cursor ? { tokenId, cursor } : { tokenId };
};

/** A short notice above a list (the result of a revoke, say). */
export const noticeBlock = (text: string): KnownBlock => ({
  type: 'section',
  text: { type: 'mrkdwn', text: clamp(text, LIMITS.sectionText) },
});
