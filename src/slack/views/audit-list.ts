/**
 * `/apitoken audit [@person]`: the latest events, newest first, a page at a time. Only a
 * whitelist of detail fields is ever shown, so nothing an event might carry leaks into Slack.
 */
import type { KnownBlock } from '@slack/types';
import type { User } from '../../db/schema.ts';
import { slackDate } from './dates.ts';
import {
  type Cursor,
  clamp,
  LIMITS,
  newerAudit,
  noticeBlock,
  olderAudit,
  pagingBlock,
  personLabel,
  safe,
} from './paging.ts';

export const AUDIT_PER_PAGE = 20;

type Person = Pick<User, 'email' | 'displayName'>;

export interface AuditRow {
  id: number;
  at: Date;
  actorLabel: string;
  action: string;
  subject: Person | null;
  tokenId: string | null;
  details: Record<string, unknown>;
}

export interface AuditPage {
  rows: AuditRow[];
  cursor: Extract<Cursor, { k: 'audit' }>;
  /** More events exist below the last row. */
  hasOlder: boolean;
  /** Set for `audit @person`. */
  about?: Person | undefined;
}

const SLACK_LABEL = /^slack:[A-Z0-9]+\/([UW][A-Z0-9]+)$/;

/** Slack actors become mentions, which Slack renders as the reader sees that person. */
export const actorText = (label: string): string => {
  const slackUser = SLACK_LABEL.exec(label)?.[1];
  return slackUser ? `<@${slackUser}>` : safe(label, 120);
};

const label = (p: Person) => personLabel({ email: p.email, name: p.displayName });

/** The detail fields worth showing; everything else in `details` stays out of Slack. */
const detailText = (details: Record<string, unknown>): string[] => {
  const out: string[] = [];
  const text = (key: string, title: string) => {
    const value = details[key];
    if (typeof value === 'string' && value.trim()) out.push(`${title}: ${safe(value, 200)}`);
  };
  text('name', 'Token name');
  text('reason', 'Reason');
  text('attempted', 'Attempted');
  text('role', 'Role');
  text('source', 'Source');
  text('via', 'Via');
  if (typeof details.expiresAt === 'string') {
    const expires = new Date(details.expiresAt);
    if (Number.isFinite(expires.getTime())) out.push(`Expires ${slackDate(expires)}`);
  }
  if (Array.isArray(details.revokedTokens)) out.push(`Revoked tokens: ${details.revokedTokens.length}`);
  return out;
};

export const auditRowText = (row: AuditRow): string => {
  const first = `${slackDate(row.at)}  ·  *${safe(row.action, 60)}*  ·  by ${actorText(row.actorLabel)}`;
  const about = [
    ...(row.subject ? [`Subject: ${label(row.subject)}`] : []),
    ...(row.tokenId ? [`Token: \`${safe(row.tokenId, 40)}\``] : []),
  ].join('  ·  ');
  const details = detailText(row.details).join('  ·  ');
  return clamp([first, about, details].filter(Boolean).join('\n'), LIMITS.sectionText);
};

export const auditListMessage = (page: AuditPage): { text: string; blocks: KnownBlock[] } => {
  const rows = page.rows.slice(0, AUDIT_PER_PAGE);
  const last = rows.at(-1);
  const paging = pagingBlock({
    previous: page.cursor.b !== undefined ? newerAudit(page.cursor) : undefined,
    next: page.hasOlder && last ? olderAudit(page.cursor, last.id) : undefined,
  });
  const title = page.about ? `*Audit log about ${label(page.about)}*` : '*Audit log*';
  const position = page.cursor.b === undefined ? 'latest events first' : 'older events';
  return {
    text: page.about ? `Audit log about ${page.about.email}` : 'Audit log',
    blocks: [
      noticeBlock(`${title} (${position})`),
      ...(rows.length === 0
        ? [noticeBlock('No events.')]
        : rows.map(
            (row): KnownBlock => ({ type: 'section', text: { type: 'mrkdwn', text: auditRowText(row) } }),
          )),
      ...(paging ? [paging] : []),
    ],
  };
};
