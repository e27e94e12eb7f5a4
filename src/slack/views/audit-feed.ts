/**
 * One audit-feed message for a batch of audit events, one line each: id, time, action,
 * who, about whom, which token, and the details. Audit events hold no secrets by design;
 * every line still passes the logger's redactor, so a token-shaped string could never
 * reach the channel even if one were ever recorded by mistake.
 */
import type { KnownBlock } from '@slack/types';
import type { FeedEvent } from '../../audit/audit-feed.repository.ts';
import { redact } from '../../shared/logger.ts';
import { slackDate } from './dates.ts';
import { clamp, LIMITS, safe } from './paging.ts';
import type { SlackMessage } from './token-delivery.ts';

/** One message holds at most this many events (a section each, within Slack's 50 blocks). */
export const FEED_EVENTS_PER_MESSAGE = 40;

const detailValue = (value: unknown): string =>
  typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));

const detailsText = (details: Record<string, unknown>): string =>
  Object.entries(details)
    .map(([key, value]) => `${key}: ${clamp(detailValue(value), 300)}`)
    .join(', ');

export const feedLine = (event: FeedEvent): string => {
  const actor = event.actorEmail ? `${event.actorLabel} (${event.actorEmail})` : event.actorLabel;
  const parts = [
    `\`#${event.id}\` ${slackDate(event.at, 'datetime')} *${safe(event.action, 60)}*`,
    `by ${safe(redact(actor), 200)}`,
    ...(event.subjectEmail ? [`about ${safe(event.subjectEmail, 120)}`] : []),
    ...(event.tokenId ? [`token \`${safe(event.tokenId, 40)}\``] : []),
  ];
  const details = detailsText(event.details);
  const line = parts.join(' · ') + (details ? `\n${safe(redact(details), 1500)}` : '');
  return clamp(line, LIMITS.sectionText);
};

export const auditFeedMessage = (events: readonly FeedEvent[]): SlackMessage => {
  const shown = events.slice(0, FEED_EVENTS_PER_MESSAGE);
  const blocks: KnownBlock[] = shown.map((event) => ({
    type: 'section',
    text: { type: 'mrkdwn', text: feedLine(event) },
  }));
  const actions = [...new Set(shown.map((e) => e.action))].join(', ');
  return {
    text: clamp(
      `Tokendesk audit: ${shown.length === 1 ? '1 event' : `${shown.length} events`} (${actions})`,
      LIMITS.fallbackText,
    ),
    blocks,
  };
};
