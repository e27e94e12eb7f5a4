/**
 * Text helpers shared by the reminder, renewal, offboarding and audit-feed messages:
 * how a token and a person are named, escaped for mrkdwn and kept within Slack's limits.
 */
import { escapeMrkdwn } from './token-delivery.ts';

/** Slack's limits these messages can reach. */
export const MESSAGE_LIMITS = {
  blocks: 50,
  sectionText: 3000,
  fallbackText: 3000,
  buttonValue: 2000,
} as const;

/** Shortens to at most `max` characters, marking the cut. */
export const clampText = (text: string, max: number): string =>
  text.length <= max ? text : `${text.slice(0, Math.max(0, max - 1))}…`;

/** User-supplied text for mrkdwn: line breaks flattened, clamped, then escaped. */
export const mrkdwnSafe = (text: string, max: number): string =>
  // biome-ignore lint/suspicious/noControlCharactersInRegex: flattening control characters is the point.
  escapeMrkdwn(clampText(text.replace(/[\u0000-\u001f\u007f]+/g, ' '), max));

/** `*CI deploy* (\`AbC123dEf456\`)`: the name people chose and the public id lists show. */
export const tokenLabel = (token: { id: string; name: string }): string =>
  `*${mrkdwnSafe(token.name, 80)}* (\`${token.id}\`)`;

/** The same without markup, for notification text. */
export const tokenPlain = (token: { id: string; name: string }): string =>
  `"${clampText(token.name, 80)}" (${token.id})`;

/** A word for a POSIX shell: as it is when plain, otherwise single-quoted. */
export const shellWord = (word: string): string =>
  /^[A-Za-z0-9@._+%=:,/-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;

/**
 * The CLI command that makes a token for someone Slack cannot pick (no linked account),
 * as mrkdwn inline code: the exact line an admin can paste.
 */
export const cliCreateCommand = (email: string): string => {
  const command = escapeMrkdwn(`tokendesk tokens create --user ${shellWord(clampText(email, 254))}`);
  // Inline code cannot hold a backtick; a code block can.
  return command.includes('`') ? `\`\`\`${command}\`\`\`` : `\`${command}\``;
};

/** "Ada Lovelace (ada@example.com)", or the e-mail alone. */
export const personText = (person: { email: string; name: string | null }): string => {
  const name = person.name?.trim();
  return name && name.toLowerCase() !== person.email.toLowerCase()
    ? `${clampText(name, 60)} (${clampText(person.email, 80)})`
    : clampText(person.email, 120);
};

export const personLabel = (person: { email: string; name: string | null }): string =>
  mrkdwnSafe(personText(person), 160);
