/** `audit [@person]` (admins): the latest events, newest first, with Older/Newer buttons. */
import { auditListMessage } from '../../views/audit-list.ts';
import { loadAuditPage } from '../actions/page.ts';
import type { CommandHandler } from './context.ts';
import { resolveMention } from './list.ts';

export const auditCommand: CommandHandler<'audit'> = async ({ deps, client, parsed, who, respond }) => {
  let subjectId: string | undefined;
  if (parsed.slackUserId) {
    await deps.services.users.requireAdmin(who.actor, 'audit.list');
    const target = await resolveMention(deps, client, who, parsed.slackUserId, { allowDeactivated: true });
    if (!target.ok) {
      await respond({ response_type: 'ephemeral', text: target.message });
      return;
    }
    subjectId = target.user.id;
  }
  const page = await loadAuditPage(deps, who.actor, {
    k: 'audit',
    ...(subjectId ? { s: subjectId } : {}),
    h: [],
  });
  await respond({ response_type: 'ephemeral', ...auditListMessage(page) });
};
