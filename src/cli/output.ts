/** Output formatting for the CLI: UTC dates with dayjs, plain-text tables, JSON. */
import dayjs from 'dayjs';
import utc from 'dayjs/plugin/utc.js';

dayjs.extend(utc);

/** `2026-06-01 12:00` (UTC; tables say so in their headers). */
export const formatInstant = (at: Date | null | undefined, none = '-'): string =>
  at ? dayjs.utc(at).format('YYYY-MM-DD HH:mm') : none;

/** `2026-06-01 12:00 UTC`, for sentences. */
export const formatInstantUtc = (at: Date): string => `${formatInstant(at)} UTC`;

/** Whole days from `now` to `at`, rounded down, as words: "in 30 days", "today", "3 days ago". */
export const relativeDays = (at: Date, now: Date): string => {
  const days = Math.floor((at.getTime() - now.getTime()) / 86_400_000);
  if (days === 0) return at.getTime() >= now.getTime() ? 'in less than a day' : 'less than a day ago';
  if (days > 0) return `in ${days} day${days === 1 ? '' : 's'}`;
  return `${-days} day${days === -1 ? '' : 's'} ago`;
};

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what a cell must not carry.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;

/** One line, no control characters (names and Slack profiles are user input), bounded. */
export const cell = (value: unknown, max = 60): string => {
  const text = value === null || value === undefined ? '-' : String(value);
  const clean = text.replace(CONTROL, ' ');
  return clean.length > max ? `${clean.slice(0, max - 1)}…` : clean;
};

/** Left-aligned columns separated by two spaces; the last column is not padded. */
export const formatTable = (headers: readonly string[], rows: readonly (readonly string[])[]): string[] => {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map(line)];
};

/** Pretty JSON; Dates become ISO strings. */
export const formatJson = (value: unknown): string => JSON.stringify(value, null, 2);
