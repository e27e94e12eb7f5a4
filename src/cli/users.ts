/** `tokendesk users …`: add, list and deactivate (offboard) users. */
import { NO_ADMIN_LEFT_HINT } from '../offboarding/offboarding-notices.models.ts';
import { OPERATOR } from '../shared/actor.ts';
import type { Command, CommandContext } from './command.ts';
import { cell, formatInstant, formatJson, formatTable } from './output.ts';

const PAGE = 500;

/** Every user, paging through the use-case. */
const allUsers = async (ctx: CommandContext) => {
  const items = [];
  for (let offset = 0; ; offset += PAGE) {
    const page = await ctx.services.users.listUsers(OPERATOR, { limit: PAGE, offset });
    items.push(...page.items);
    if (page.items.length < PAGE || items.length >= page.total) return items;
  }
};

export const usersCommands: Command[] = [
  {
    name: 'users add',
    summary: 'Add a user (nothing changes if the e-mail already exists)',
    options: {
      email: { type: 'string', value: 'E', required: true, description: 'e-mail address (unique, any case)' },
      name: { type: 'string', value: 'N', description: 'display name' },
    },
    run: async (ctx, args) => {
      const { user, created } = await ctx.services.users.addUser(OPERATOR, {
        email: args.string('email') ?? '',
        name: args.string('name'),
      });
      ctx.out(
        created
          ? `Added ${user.email} (${user.role}).`
          : `${user.email} already exists (${user.role}${user.deactivatedAt ? ', deactivated' : ''}); nothing changed.`,
      );
    },
  },
  {
    name: 'users list',
    summary: 'List users with their role, status and number of active tokens',
    options: { json: { type: 'boolean', description: 'print JSON instead of a table' } },
    run: async (ctx, args) => {
      const users = await allUsers(ctx);
      if (args.flag('json')) {
        ctx.out(
          formatJson(
            users.map((u) => ({
              id: u.id,
              email: u.email,
              name: u.displayName,
              role: u.role,
              status: u.deactivatedAt ? 'deactivated' : 'active',
              createdAt: u.createdAt,
              deactivatedAt: u.deactivatedAt,
              activeTokens: u.activeTokens,
            })),
          ),
        );
        return;
      }
      if (users.length === 0) {
        ctx.out('No users.');
        return;
      }
      const rows = users.map((u) => [
        cell(u.email),
        cell(u.displayName),
        u.role,
        u.deactivatedAt ? 'deactivated' : 'active',
        String(u.activeTokens),
        formatInstant(u.createdAt),
      ]);
      for (const line of formatTable(['EMAIL', 'NAME', 'ROLE', 'STATUS', 'TOKENS', 'CREATED (UTC)'], rows)) {
        ctx.out(line);
      }
    },
  },
  {
    name: 'users deactivate',
    summary: 'Offboard a user: deactivate them and revoke all their tokens at once',
    positionals: [{ name: 'E', description: 'e-mail of the user' }],
    run: async (ctx, args) => {
      const target = await ctx.services.users.getUserByEmail(args.positional('E'));
      const result = await ctx.services.users.deactivateUser(OPERATOR, target.id, 'cli');
      if (!result.changed) {
        ctx.out(`${target.email} was already deactivated; nothing changed.`);
        return;
      }
      const n = result.revoked.length;
      ctx.out(
        `Deactivated ${target.email}; revoked ${n} token${n === 1 ? '' : 's'}${
          n > 0 ? `: ${result.revoked.map((t) => t.id).join(', ')}` : ''
        }.`,
      );
      ctx.note('The admins are told in Slack by the next round of a running Tokendesk instance.');
      if (result.noAdminLeft) ctx.note(`warning: ${NO_ADMIN_LEFT_HINT}`);
    },
  },
];
