/**
 * Parsing `/apitoken` text into a subcommand. Pure: no Slack, no database.
 * Mentions arrive escaped as `<@U123|name>` or `<@U123>`; both are accepted. Anything
 * else — a stray word, a missing or extra argument, an e-mail where a mention belongs —
 * is `invalid` with a reason, which the listener shows above the help text.
 */
import { parseToken, TOKEN_PREFIX } from '../tokens/token-format.ts';

export type Command =
  | { kind: 'help' }
  | { kind: 'generate'; slackUserId?: string }
  | { kind: 'list'; slackUserId?: string }
  | { kind: 'revoke'; tokenId: string }
  | { kind: 'users' }
  | { kind: 'admins'; change?: { op: 'grant' | 'revoke'; slackUserId: string } }
  | { kind: 'audit'; slackUserId?: string }
  | { kind: 'invalid'; reason: string };

const MENTION = /^<@([UW][A-Z0-9]{2,})(?:\|[^>]*)?>$/;
const TOKEN_ID = /^[0-9A-Za-z]{12}$/;
/** Zero-width characters pasted text often carries; they are never meaningful here. */
const INVISIBLE = /[\u200B-\u200D\u2060\uFEFF]/g;

export const parseMention = (word: string): string | undefined => MENTION.exec(word)?.[1];

/** Words, keeping Slack's `<…>` escapes whole even when a label inside has spaces. */
export const commandWords = (text: string): string[] =>
  text
    .normalize('NFKC')
    .replace(INVISIBLE, '')
    .match(/<[^>]*>|[^\s<]+/g) ?? [];

/** Why a word is not a person's mention, in words a Slack user can act on. */
const notAPerson = (word: string): string => {
  if (/^<mailto:/i.test(word)) return 'Mention the person with @ rather than their e-mail address.';
  if (/^<#/.test(word)) return 'That is a channel; mention one person with @.';
  if (/^<!/.test(word))
    return 'That is a group mention (@here, @channel or a user group); mention one person.';
  if (/^@/.test(word))
    return 'Pick the person from Slack’s @ suggestions, so that the mention links to them.';
  return 'Mention the person with @.';
};

const optionalMention = (kind: 'generate' | 'list' | 'audit', args: string[]): Command => {
  const usage = `\`${kind}\` takes nothing or one @mention of a person.`;
  if (args.length === 0) return { kind };
  if (args.length > 1) return { kind: 'invalid', reason: `${usage} There is more after the first word.` };
  const slackUserId = parseMention(args[0]!);
  if (!slackUserId) return { kind: 'invalid', reason: `${usage} ${notAPerson(args[0]!)}` };
  return { kind, slackUserId };
};

/** A public id, with or without `tdk_`; a whole pasted token also names its id. */
const tokenIdOf = (word: string): string | undefined => {
  const parsed = parseToken(word);
  if (parsed.ok) return parsed.publicId;
  const id = word.startsWith(TOKEN_PREFIX) ? word.slice(TOKEN_PREFIX.length) : word;
  return TOKEN_ID.test(id) ? id : undefined;
};

const noArguments = (kind: 'help' | 'users'): Command => ({
  kind: 'invalid',
  reason: `\`${kind}\` takes no arguments.`,
});

export const parseCommandText = (text: string): Command => {
  const [head, ...args] = commandWords(text);
  switch ((head ?? 'help').toLowerCase()) {
    case 'help':
      return args.length === 0 ? { kind: 'help' } : noArguments('help');
    case 'generate':
    case 'new':
      return optionalMention('generate', args);
    case 'list':
      return optionalMention('list', args);
    case 'audit':
      return optionalMention('audit', args);
    case 'revoke': {
      const usage = '`revoke` takes one token id (the 12 characters shown in lists).';
      if (args.length === 0) return { kind: 'invalid', reason: `${usage} None was given.` };
      if (args.length > 1) return { kind: 'invalid', reason: `${usage} There is more after the id.` };
      const tokenId = tokenIdOf(args[0]!);
      if (!tokenId) return { kind: 'invalid', reason: `${usage} That is not one.` };
      return { kind: 'revoke', tokenId };
    }
    case 'users':
      return args.length === 0 ? { kind: 'users' } : noArguments('users');
    case 'admins': {
      const usage = '`admins` takes nothing, or `grant @person` or `revoke @person`.';
      if (args.length === 0) return { kind: 'admins' };
      const op = args[0]!.toLowerCase();
      if (op !== 'grant' && op !== 'revoke') return { kind: 'invalid', reason: usage };
      if (args.length === 1) return { kind: 'invalid', reason: `${usage} Say whom.` };
      if (args.length > 2) return { kind: 'invalid', reason: `${usage} There is more after the person.` };
      const slackUserId = parseMention(args[1]!);
      if (!slackUserId) return { kind: 'invalid', reason: `${usage} ${notAPerson(args[1]!)}` };
      return { kind: 'admins', change: { op, slackUserId } };
    }
    default:
      return { kind: 'invalid', reason: 'That is not a Tokendesk subcommand.' };
  }
};
