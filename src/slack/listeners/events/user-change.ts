/**
 * Offboarding from Slack: a `user_change` event whose user is `deleted` deactivates the
 * linked Tokendesk user through the same use-case as `tokendesk users deactivate`: all
 * tokens revoked and the admins' notice queued, in one audited transaction. This instance
 * delivers the notice at once (src/slack/offboarding-deliveries.ts); should Slack fail, any
 * instance retries it later.
 *
 * Someone whose Slack account is deleted has left, so this holds for the last admin too:
 * their tokens are revoked and their account deactivated, and the log and the notice say
 * that no admin remains and how to make one.
 *
 * Slack redelivers events it thinks were missed; the use-case answers `changed: false` the
 * second time and queues nothing, so the admins hear about it once.
 */
import type { App } from '@slack/bolt';
import { NO_ADMIN_LEFT_HINT } from '../../../offboarding/offboarding-notices.models.ts';
import type { Actor } from '../../../shared/actor.ts';
import type { SlackDeps } from '../../deps.ts';

/** Nobody clicked anything: Slack itself is the actor, recorded as such in the audit trail. */
export const SLACK_USER_CHANGE_ACTOR: Actor = { kind: 'operator', label: 'slack:user_change' };

type ChangedUser = { id?: unknown; team_id?: unknown; deleted?: unknown };

export const registerUserChange = (app: App, deps: SlackDeps): void => {
  app.event('user_change', async ({ event, body }) => {
    const user = event.user as ChangedUser;
    if (user.deleted !== true || typeof user.id !== 'string') return;
    const slackUserId = user.id;
    const teamId = typeof user.team_id === 'string' ? user.team_id : body.team_id;
    try {
      const linked = await deps.services.users.findUserBySlackIdentity(teamId, slackUserId);
      if (!linked || linked.deactivatedAt) return;
      const result = await deps.services.users.deactivateUser(SLACK_USER_CHANGE_ACTOR, linked.id, 'slack', {
        slackUserId,
      });
      if (!result.changed) return;
      deps.logger.info('offboarded from Slack', { user: linked.id, revoked: result.revoked.length });
      if (result.noAdminLeft) {
        deps.logger.warn(
          `Slack deactivated the last Tokendesk admin (${linked.email}). ${NO_ADMIN_LEFT_HINT}`,
        );
      }
      // Every admin's page drops their tokens (their own Slack account is gone).
      await deps.refreshHomes([], { admins: true });
    } catch (error) {
      deps.logger.error('offboarding from user_change failed', error);
    }
  });
};
