import { usersListMessage } from '../../views/users-list.ts';
import { loadUsersPage } from '../actions/page.ts';
import type { CommandHandler } from './context.ts';

/** `users` (admins): everyone with their active-token count, a page at a time. */
export const usersCommand: CommandHandler<'users'> = async ({ deps, who, respond }) => {
  const page = await loadUsersPage(deps, who.actor, 0);
  await respond({ response_type: 'ephemeral', ...usersListMessage(page) });
};
