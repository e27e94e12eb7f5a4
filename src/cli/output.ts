/** Output formatting for the CLI: UTC dates with dayjs, plain-text tables, JSON, streamed writes. */
import dayjs from 'dayjs';
import utc from 'dayjs/plugin/utc.js';

dayjs.extend(utc);

/** `2026-06-01 12:00` (UTC; tables say so in their headers). */
export const formatInstant = (at: Date | null | undefined, none = '-'): string =>
  at ? dayjs.utc(at).format('YYYY-MM-DD HH:mm') : none;

/** `2026-06-01 12:00 UTC`, for sentences. */
export const formatInstantUtc = (at: Date): string => `${formatInstant(at)} UTC`;

/** From `now` to `at` in words: "in 30 days", "in 12 hours", "3 days ago" (days rounded, hours below a day). */
export const relativeTime = (at: Date, now: Date): string => {
  const ms = at.getTime() - now.getTime();
  const hours = Math.abs(ms) / 3_600_000;
  const [n, unit] = hours < 23.5 ? [Math.max(1, Math.round(hours)), 'hour'] : [Math.round(hours / 24), 'day'];
  const amount = `${n} ${unit}${n === 1 ? '' : 's'}`;
  return ms >= 0 ? `in ${amount}` : `${amount} ago`;
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

/**
 * Writes and, when the stream says its buffer is full (write() returned false), waits for it
 * to drain: a long export then holds one chunk in memory, not everything a slow reader has
 * not taken yet.
 */
export const writeDrained = async (
  out: { write(chunk: string): unknown; once?: (event: 'drain', listener: () => void) => unknown },
  chunk: string,
): Promise<void> => {
  if (out.write(chunk) !== false || typeof out.once !== 'function') return;
  await new Promise<void>((resolve) => out.once?.('drain', resolve));
};
