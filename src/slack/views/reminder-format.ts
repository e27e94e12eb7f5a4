/**
 * Text helpers shared by the reminder, renewal, offboarding and audit-feed messages:
 * how a token and a person are named, escaped for mrkdwn and kept within Slack's limits.
 */
import { clamp, escapeText, safe } from './paging.ts';

/** `*CI deploy* (\`AbC123dEf456\`)`: the name people chose and the public id lists show. */
export const tokenLabel = (token: { id: string; name: string }): string =>
  `*${safe(token.name, 80)}* (\`${token.id}\`)`;

/** The same without markup, for notification text. */
export const tokenPlain = (token: { id: string; name: string }): string =>
  `"${clamp(token.name, 80)}" (${token.id})`;

/** A word for a POSIX shell: as it is when plain, otherwise single-quoted. */
export const shellWord = (word: string): string =>
  /^[A-Za-z0-9@._+%=:,/-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;

/**
 * The CLI command that makes a token for someone Slack cannot pick (no linked account),
 * as mrkdwn inline code: the exact line an admin can paste.
 */
export const cliCreateCommand = (email: string): string => {
  const command = escapeText(`tokendesk tokens create --user ${shellWord(clamp(email, 254))}`);
  // Inline code cannot hold a backtick; a code block can.
  return command.includes('`') ? `\`\`\`${command}\`\`\`` : `\`${command}\``;
};

/** "Ada Lovelace (ada@example.com)", or the e-mail alone. */
export const personText = (person: { email: string; name: string | null }): string => {
  const name = person.name?.trim();
  return name && name.toLowerCase() !== person.email.toLowerCase()
    ? `${clamp(name, 60)} (${clamp(person.email, 80)})`
    : clamp(person.email, 120);
};
