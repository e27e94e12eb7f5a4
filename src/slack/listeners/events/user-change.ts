/**
 * Offboarding from Slack: a `user_change` event whose user is `deleted` deactivates the
 * linked Tokendesk user through the same use-case as `tokendesk users deactivate` (all
 * tokens revoked in one audited transaction), then tells the admins which tokens went.
 *
 * Slack redelivers events it thinks were missed; the use-case answers `changed: false` the
 * second time, so the admins hear about it once. The notice itself is best effort; with
 * ADMIN_CHANNEL_ID set, the audit feed carries the same facts reliably.
 */
import type { App } from '@slack/bolt';
import type { Actor } from '../../../shared/actor.ts';
import { isAppError } from '../../../shared/errors.ts';
import type { SlackDeps } from '../../deps.ts';
import { createAdminMessenger } from '../../reminders/admin-messenger.ts';
import { offboardingNotice } from '../../views/offboarding-notice.ts';

/** Nobody clicked anything: Slack itself is the actor, recorded as such in the audit trail. */
export const SLACK_USER_CHANGE_ACTOR: Actor = { kind: 'operator', label: 'slack:user_change' };

type ChangedUser = { id?: unknown; team_id?: unknown; deleted?: unknown };

export const registerUserChange = (app: App, deps: SlackDeps): void => {
  app.event('user_change', async ({ event, body, client }) => {
    const user = event.user as ChangedUser;
    if (user.deleted !== true || typeof user.id !== 'string') return;
    const slackUserId = user.id;
    const teamId = typeof user.team_id === 'string' ? user.team_id : body.team_id;
    try {
      const linked = await deps.services.users.findUserBySlackIdentity(teamId, slackUserId);
      if (!linked || linked.deactivatedAt) return;
      const result = await deps.services.users.deactivateUser(SLACK_USER_CHANGE_ACTOR, linked.id, 'slack');
      if (!result.changed) return;
      deps.logger.info('offboarded from Slack', { user: linked.id, revoked: result.revoked.length });
      const admins = createAdminMessenger({
        client,
        adminChannelId: deps.config.adminChannelId,
        adminAddresses: () => deps.services.reminders.adminSlackAddresses(),
      });
      const told = await admins.tell(
        offboardingNotice(
          { email: result.user.email, name: result.user.displayName },
          result.revoked.map((t) => ({ id: t.id, name: t.name })),
          { slackUserId },
        ),
      );
      if (!told.ok) deps.logger.warn('could not tell the admins about an offboarding', { error: told.error });
      // Every admin's page drops their tokens (their own Slack account is gone).
      await deps.refreshHomes([], { admins: true });
    } catch (error) {
      if (isAppError(error, 'users.last_admin')) {
        deps.logger.warn('Slack deactivated the last Tokendesk admin; their account stays active', {
          slackUserId,
        });
        return;
      }
      deps.logger.error('offboarding from user_change failed', error);
    }
  });
};
