/**
 * Parsing `/apitoken` text into a subcommand. Pure: no Slack, no database.
 * Mentions arrive escaped as `<@U123|name>` or `<@U123>`; both are accepted.
 */
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

export const parseMention = (word: string): string | undefined => MENTION.exec(word)?.[1];

const optionalMention = (kind: 'generate' | 'list' | 'audit', args: string[]): Command => {
  if (args.length === 0) return { kind };
  const slackUserId = args.length === 1 ? parseMention(args[0]!) : undefined;
  if (!slackUserId)
    return { kind: 'invalid', reason: `\`${kind}\` takes one optional @mention of a person.` };
  return { kind, slackUserId };
};

export const parseCommandText = (text: string): Command => {
  const words = text.trim().split(/\s+/).filter(Boolean);
  const [head, ...args] = words;
  switch ((head ?? 'help').toLowerCase()) {
    case 'help':
      return { kind: 'help' };
    case 'generate':
    case 'new':
      return optionalMention('generate', args);
    case 'list':
      return optionalMention('list', args);
    case 'audit':
      return optionalMention('audit', args);
    case 'revoke': {
      const id = args.length === 1 ? args[0]!.replace(/^tdk_/, '') : undefined;
      if (!id || !TOKEN_ID.test(id)) {
        return { kind: 'invalid', reason: '`revoke` takes one token id (the 12 characters shown in lists).' };
      }
      return { kind: 'revoke', tokenId: id };
    }
    case 'users':
      return args.length === 0
        ? { kind: 'users' }
        : { kind: 'invalid', reason: '`users` takes no arguments.' };
    case 'admins': {
      if (args.length === 0) return { kind: 'admins' };
      const op = args[0]!.toLowerCase();
      const slackUserId = args.length === 2 ? parseMention(args[1]!) : undefined;
      if ((op !== 'grant' && op !== 'revoke') || !slackUserId) {
        return { kind: 'invalid', reason: '`admins` takes nothing, or `grant @person` or `revoke @person`.' };
      }
      return { kind: 'admins', change: { op, slackUserId } };
    }
    default:
      return { kind: 'invalid', reason: 'That is not a Tokendesk subcommand.' };
  }
};
