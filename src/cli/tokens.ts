/**
 * `tokendesk tokens …`. `create` prints the token alone on stdout so that
 * `tokendesk tokens create … > file` or `$(…)` captures exactly the secret; everything
 * else it has to say goes to stderr. `verify` reads the token from stdin so that it
 * never appears in a process list or a shell history, and never echoes it.
 */
import { OPERATOR } from '../shared/actor.ts';
import { type ExpiryInput, parseDuration } from '../tokens/expiry.ts';
import type { TokenSummary, VerifyFailure } from '../tokens/tokens.models.ts';
import type { Args } from './args.ts';
import { type CliIo, type Command, type CommandContext, CommandFailed } from './command.ts';
import { cell, formatInstant, formatInstantUtc, formatJson, formatTable, relativeTime } from './output.ts';

const PAGE = 500;
/** A token is 44 characters; anything much longer is not one, and is not read further. */
const STDIN_LIMIT = 4096;

const expiryOf = (args: Args): ExpiryInput => {
  const inRaw = args.string('expires-in');
  const onRaw = args.string('expires');
  if (inRaw !== undefined && onRaw !== undefined) {
    throw args.usageError('give either --expires-in or --expires, not both');
  }
  if (inRaw !== undefined) {
    const duration = parseDuration(inRaw);
    if (!duration) throw args.usageError(`--expires-in expects days or weeks such as 30d or 12w`);
    return duration;
  }
  if (onRaw !== undefined) {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(onRaw.trim()))
      throw args.usageError('--expires expects a date YYYY-MM-DD');
    return { onDate: onRaw.trim() };
  }
  return undefined;
};

const allTokens = async (ctx: CommandContext, ownerId: string | undefined, activeOnly: boolean) => {
  const items: TokenSummary[] = [];
  for (let offset = 0; ; offset += PAGE) {
    const page = await ctx.services.tokens.list(OPERATOR, { ownerId, activeOnly, limit: PAGE, offset });
    items.push(...page.items);
    if (page.items.length < PAGE || items.length >= page.total) return items;
  }
};

/** What `tokens list --json` prints per token: the summary, which never holds a hash or a secret. */
const tokenJson = (t: TokenSummary) => ({
  id: t.id,
  name: t.name,
  owner: t.owner,
  status: t.status,
  createdAt: t.createdAt,
  expiresAt: t.expiresAt,
  lastUsedAt: t.lastUsedAt,
  lastUsedIp: t.lastUsedIp,
  revokedAt: t.revokedAt,
  revokeReason: t.revokeReason,
});

/** Reads stdin up to a bound; on a terminal, stops at the first line. */
const readToken = async (io: CliIo): Promise<string> => {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of io.stdin) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.from(chunk);
    chunks.push(bytes);
    size += bytes.length;
    if (size > STDIN_LIMIT || (io.stdin.isTTY && bytes.includes(0x0a))) break;
  }
  return Buffer.concat(chunks)
    .toString('utf8')
    .slice(0, STDIN_LIMIT + 1);
};

const VERIFY_REASONS: Record<VerifyFailure, string> = {
  malformed: 'malformed (not a Tokendesk token, or mistyped: the checksum does not match)',
  unknown: 'unknown (no such token)',
  revoked: 'revoked',
  expired: 'expired',
  owner_deactivated: 'owner deactivated',
};

export const tokensCommands: Command[] = [
  {
    name: 'tokens create',
    summary: 'Create a token for a user; prints only the token on stdout, details on stderr',
    synopsis: '--user E [--name N] [--expires-in 30d | --expires YYYY-MM-DD]',
    options: {
      user: { type: 'string', value: 'E', required: true, description: 'e-mail of the owner' },
      name: { type: 'string', value: 'N', description: 'what the token is for (default "API token")' },
      'expires-in': {
        type: 'string',
        value: '30d',
        description: 'lifetime in days (30d) or weeks (12w); default TOKEN_DEFAULT_DAYS',
      },
      expires: { type: 'string', value: 'YYYY-MM-DD', description: 'valid through this UTC day' },
    },
    run: async (ctx, args) => {
      const expiry = expiryOf(args);
      const owner = await ctx.services.users.getUserByEmail(args.string('user') ?? '');
      const { token, summary } = await ctx.services.tokens.generate(OPERATOR, {
        ownerId: owner.id,
        name: args.string('name'),
        expiry,
      });
      ctx.out(token);
      const now = ctx.services.clock.now();
      ctx.note(`Created token ${summary.id} "${cell(summary.name)}" for ${summary.owner.email}.`);
      ctx.note(`Expires ${formatInstantUtc(summary.expiresAt)} (${relativeTime(summary.expiresAt, now)}).`);
      ctx.note('This is the only time the token is shown: store it now.');
    },
  },
  {
    name: 'tokens list',
    summary: 'List tokens, newest first (never their secrets)',
    options: {
      user: { type: 'string', value: 'E', description: 'only the tokens of this user' },
      active: { type: 'boolean', description: 'only tokens that are neither revoked nor expired' },
      json: { type: 'boolean', description: 'print JSON instead of a table' },
    },
    run: async (ctx, args) => {
      const email = args.string('user');
      const ownerId = email === undefined ? undefined : (await ctx.services.users.getUserByEmail(email)).id;
      const tokens = await allTokens(ctx, ownerId, args.flag('active'));
      if (args.flag('json')) {
        ctx.out(formatJson(tokens.map(tokenJson)));
        return;
      }
      if (tokens.length === 0) {
        ctx.out('No tokens.');
        return;
      }
      const rows = tokens.map((t) => [
        t.id,
        cell(t.name, 40),
        cell(t.owner.email),
        formatInstant(t.createdAt),
        formatInstant(t.expiresAt),
        formatInstant(t.lastUsedAt, 'never'),
        cell(t.lastUsedIp, 45),
        t.status,
      ]);
      const headers = [
        'ID',
        'NAME',
        'OWNER',
        'CREATED (UTC)',
        'EXPIRES (UTC)',
        'LAST USED (UTC)',
        'LAST IP',
        'STATUS',
      ];
      for (const line of formatTable(headers, rows)) ctx.out(line);
    },
  },
  {
    name: 'tokens revoke',
    summary: 'Revoke a token at once and for good',
    options: {
      reason: { type: 'string', value: 'R', description: 'why, for the audit log (default "manual")' },
    },
    positionals: [{ name: 'ID', description: 'the token id (the 12 characters after tdk_)' }],
    run: async (ctx, args) => {
      const { outcome, token } = await ctx.services.tokens.revoke(
        OPERATOR,
        args.positional('ID'),
        args.string('reason'),
      );
      if (outcome === 'already_revoked') {
        ctx.out(
          `Token ${token.id} was already revoked on ${formatInstantUtc(token.revokedAt ?? new Date(0))}` +
            ` (${cell(token.revokeReason)}); nothing changed.`,
        );
        return;
      }
      ctx.out(`Revoked token ${token.id} "${cell(token.name)}" of ${token.owner.email}.`);
    },
  },
  {
    name: 'tokens verify',
    summary: 'Check the token read from stdin: exit 0 when active, 1 (reason on stderr) when not',
    synopsis: '< file-with-the-token',
    unexpectedArgument:
      'the token is read from stdin, never from the command line (it would land in shell history)',
    run: async (ctx, args) => {
      if (ctx.io.stdin.isTTY) ctx.note('Paste the token and press Enter:');
      const candidate = (await readToken(ctx.io)).trim();
      if (candidate.length === 0) throw args.usageError('expected the token on stdin');
      const result = await ctx.services.tokens.verify(candidate);
      if (!result.ok) {
        const which = result.tokenId ? ` (token ${result.tokenId})` : '';
        throw new CommandFailed(`token is not active: ${VERIFY_REASONS[result.reason]}${which}`);
      }
      const t = result.token;
      ctx.out(
        `active: token ${t.id} "${cell(t.name)}" of ${result.user.email}, expires ${formatInstantUtc(t.expiresAt)}`,
      );
    },
  },
];
