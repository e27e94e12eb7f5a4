/** `tokendesk admins …`: who may administer tokens. The last admin can never be removed. */
import { OPERATOR } from '../shared/actor.ts';
import type { Command } from './command.ts';
import { cell, formatJson, formatTable } from './output.ts';

const EMAIL = [{ name: 'E', description: 'e-mail of the user' }] as const;

export const adminsCommands: Command[] = [
  {
    name: 'admins grant',
    summary: 'Make a user an admin',
    positionals: EMAIL,
    run: async (ctx, args) => {
      const user = await ctx.services.users.getUserByEmail(args.positional('E'));
      const changed = await ctx.services.users.grantAdmin(OPERATOR, user.id);
      ctx.out(
        changed ? `${user.email} is now an admin.` : `${user.email} was already an admin; nothing changed.`,
      );
    },
  },
  {
    name: 'admins revoke',
    summary: 'Make an admin a member again (refused for the last admin)',
    positionals: EMAIL,
    run: async (ctx, args) => {
      const user = await ctx.services.users.getUserByEmail(args.positional('E'));
      const changed = await ctx.services.users.revokeAdmin(OPERATOR, user.id);
      ctx.out(
        changed ? `${user.email} is no longer an admin.` : `${user.email} was not an admin; nothing changed.`,
      );
    },
  },
  {
    name: 'admins list',
    summary: 'List the active admins',
    options: { json: { type: 'boolean', description: 'print JSON instead of a table' } },
    run: async (ctx, args) => {
      const admins = await ctx.services.users.listAdmins(OPERATOR);
      if (args.flag('json')) {
        ctx.out(formatJson(admins.map((a) => ({ id: a.id, email: a.email, name: a.displayName }))));
        return;
      }
      if (admins.length === 0) {
        ctx.out('No admins yet: run `tokendesk admins grant E`, or set ADMIN_EMAILS.');
        return;
      }
      for (const line of formatTable(
        ['EMAIL', 'NAME'],
        admins.map((a) => [cell(a.email), cell(a.displayName)]),
      )) {
        ctx.out(line);
      }
    },
  },
];
