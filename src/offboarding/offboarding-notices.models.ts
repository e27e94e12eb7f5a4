/** What the admins are told when someone is offboarded; the Slack adapter delivers it. */
import type { DeliveryOutcome } from '../reminders/reminders.models.ts';

export interface OffboardingNotice {
  id: number;
  at: Date;
  /** What deactivated them: `slack` (Slack reported the account deleted), `cli`, … */
  source: string;
  /** Their Slack account, when known, so the notice can mention it. */
  slackUserId: string | null;
  user: { id: string; email: string; name: string | null };
  /** Names and public ids only: a secret is never stored, so it cannot travel here. */
  revoked: ReadonlyArray<{ id: string; name: string }>;
  /** No active admin remains: someone has to bootstrap one. */
  noAdminLeft: boolean;
}

export interface OffboardingNoticePublisher {
  /** Tells the admins (ADMIN_CHANNEL_ID, or a DM to each). */
  tell(notice: OffboardingNotice): Promise<DeliveryOutcome>;
}

/** Said in the notice, logged and printed by the CLI: what to do once the last admin has gone. */
export const NO_ADMIN_LEFT_HINT =
  "No active Tokendesk admin remains: nobody can generate tokens or manage others' tokens in Slack until " +
  'one is made. Run `tokendesk admins grant <e-mail>` where Tokendesk runs, or put the e-mail in ' +
  'ADMIN_EMAILS (or the Slack user id in ADMIN_SLACK_USER_IDS) for someone Tokendesk has not seen yet.';
