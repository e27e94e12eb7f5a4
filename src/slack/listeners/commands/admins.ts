/**
 * `admins` lists the admins; `admins grant|revoke @person` changes one. The use-cases
 * enforce the rules (admins only, never remove the last admin) and audit the change.
 */
import { adminChangeText, adminsMessage } from '../../views/admins.ts';
import type { CommandHandler } from './context.ts';
import { resolveMention } from './list.ts';

export const adminsCommand: CommandHandler<'admins'> = async ({ deps, client, parsed, who, respond }) => {
  const { users } = deps.services;
  const command = deps.config.slashCommand;
  if (!parsed.change) {
    await respond({
      response_type: 'ephemeral',
      ...adminsMessage(await users.listAdmins(who.actor), command),
    });
    return;
  }
  const { op, slackUserId } = parsed.change;
  // Checked before resolving the mention, so that a member's attempt provisions nobody.
  await users.requireAdmin(who.actor, op === 'grant' ? 'admins.grant' : 'admins.revoke');
  const target = await resolveMention(deps, client, who, slackUserId, { allowDeactivated: op === 'revoke' });
  if (!target.ok) {
    await respond({ response_type: 'ephemeral', text: target.message });
    return;
  }
  const changed =
    op === 'grant'
      ? await users.grantAdmin(who.actor, target.user.id)
      : await users.revokeAdmin(who.actor, target.user.id);
  // Their Home turns into (or stops being) the admin page; the other admins' pages list people.
  if (changed) await deps.refreshHomes([target.user.id, who.user.id], { admins: true });
  const notice = adminChangeText(op, target.user, changed);
  // An admin who just removed themselves may no longer list the admins.
  const stillAdmin = await users.isAdmin(who.actor);
  await respond({
    response_type: 'ephemeral',
    ...(stillAdmin ? adminsMessage(await users.listAdmins(who.actor), command, notice) : { text: notice }),
  });
};
