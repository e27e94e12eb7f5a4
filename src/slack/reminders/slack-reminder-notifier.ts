/** The Slack side of reminders: the owner's DM, and the admins when the owner is out of reach. */
import type { WebClient } from '@slack/web-api';
import type { ReminderNotifier } from '../../reminders/reminders.models.ts';
import { reminderDm } from '../views/reminder-dm.ts';
import { reminderEscalation } from '../views/reminder-escalation.ts';
import type { AdminMessenger } from './admin-messenger.ts';
import { findDeliveredDm } from './dm-history.ts';
import { dmFirstReachable } from './slack-dm.ts';

export const createSlackReminderNotifier = (deps: {
  client: WebClient;
  admins: AdminMessenger;
}): ReminderNotifier => ({
  remindOwner: (to, reminder) => dmFirstReachable(deps.client, to, reminderDm(reminder)),
  findDelivered: (to, reminder, since) => findDeliveredDm(deps.client, to, reminder, since),
  escalate: (reminder, reason) => deps.admins.tell(reminderEscalation(reminder, reason)),
});
