/** Posts audit-feed batches to the admin channel. */
import type { WebClient } from '@slack/web-api';
import type { AuditFeedPublisher } from '../../audit/audit-feed.usecases.ts';
import { DELIVERED } from '../../reminders/reminders.models.ts';
import { auditFeedMessage, FEED_EVENTS_PER_MESSAGE } from '../views/audit-feed.ts';
import { MESSAGE_REFUSED, outcomeOf } from './slack-outcome.ts';

export const createSlackAuditFeedPublisher = (deps: {
  client: WebClient;
  channelId: string;
}): AuditFeedPublisher => ({
  publish: async (events) => {
    if (events.length > FEED_EVENTS_PER_MESSAGE) {
      // The feed claims smaller batches than this; a larger one would silently lose lines.
      throw new Error(`audit feed batch of ${events.length} exceeds ${FEED_EVENTS_PER_MESSAGE}`);
    }
    if (events.length === 0) return DELIVERED;
    const message = auditFeedMessage(events);
    try {
      await deps.client.chat.postMessage({
        channel: deps.channelId,
        text: message.text,
        blocks: message.blocks,
      });
      return DELIVERED;
    } catch (error) {
      return outcomeOf(error, MESSAGE_REFUSED);
    }
  },
});
