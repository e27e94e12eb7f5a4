/**
 * Dates for Slack surfaces. Slack renders `<!date^UNIX^{tokens}|fallback>` in each reader's
 * own time zone and locale; clients that cannot (notifications, old apps, exports) show the
 * fallback, which is therefore written unambiguously in UTC.
 */
import dayjs from 'dayjs';
import utc from 'dayjs/plugin/utc.js';

dayjs.extend(utc);

export type SlackDateStyle = 'datetime' | 'date' | 'ago';

const TOKENS: Record<SlackDateStyle, string> = {
  datetime: '{date_short_pretty} {time}',
  date: '{date_short_pretty}',
  ago: '{ago}',
};

const FALLBACK: Record<SlackDateStyle, string> = {
  datetime: 'MMM D, YYYY HH:mm [UTC]',
  date: 'MMM D, YYYY',
  ago: 'MMM D, YYYY HH:mm [UTC]',
};

/** The UTC text a reader sees where Slack cannot localize the date. */
export const utcFallback = (date: Date, style: SlackDateStyle = 'datetime'): string =>
  dayjs.utc(date).format(FALLBACK[style]);

/** `<!date^…>` for mrkdwn text; an invalid date becomes a plain "unknown date" rather than a broken tag. */
export const slackDate = (date: Date, style: SlackDateStyle = 'datetime'): string => {
  const ms = date.getTime();
  if (!Number.isFinite(ms)) return 'unknown date';
  return `<!date^${Math.floor(ms / 1000)}^${TOKENS[style]}|${utcFallback(date, style)}>`;
};
