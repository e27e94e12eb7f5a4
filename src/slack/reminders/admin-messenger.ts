/**
 * Telling the admins: a post in ADMIN_CHANNEL_ID when it is set, otherwise a DM to each
 * active admin with a linked Slack account. Used for renewal requests, reminder
 * escalations and offboarding notices.
 *
 * With DMs, "told" means at least one admin got it: retrying because one admin's DM
 * failed would repeat the message for all the others.
 */
import type { WebClient } from '@slack/web-api';
import { DELIVERED, type DeliveryOutcome, type SlackAddress } from '../../reminders/reminders.models.ts';
import type { SlackMessage } from '../views/token-delivery.ts';
import { combineOutcomes, sendDm } from './slack-dm.ts';
import { MESSAGE_REFUSED, outcomeOf } from './slack-outcome.ts';

export interface AdminMessenger {
  tell(message: SlackMessage): Promise<DeliveryOutcome>;
}

export interface AdminMessengerDeps {
  client: WebClient;
  adminChannelId: string | undefined;
  /** Looked up per message: admins change. */
  adminAddresses: () => Promise<SlackAddress[]>;
}

export const createAdminMessenger = (deps: AdminMessengerDeps): AdminMessenger => ({
  tell: async (message) => {
    if (deps.adminChannelId) {
      try {
        await deps.client.chat.postMessage({
          channel: deps.adminChannelId,
          text: message.text,
          blocks: message.blocks,
        });
        return DELIVERED;
      } catch (error) {
        // A wrong or unjoined admin channel is a setting to fix, not a reason to give up: retried.
        return outcomeOf(error, MESSAGE_REFUSED);
      }
    }
    const admins = await deps.adminAddresses();
    if (admins.length === 0) return { ok: false, permanent: true, error: 'no_admin_on_slack' };
    // Side by side, so that one delivery takes one Slack round-trip however many admins there are.
    const outcomes = await Promise.all(
      admins.map((admin) => sendDm(deps.client, admin.slackUserId, message)),
    );
    return combineOutcomes(outcomes);
  },
});
