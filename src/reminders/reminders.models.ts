/**
 * What the reminder domain hands to whoever delivers messages. The domain never imports
 * Slack: it calls a `ReminderNotifier`, and the Slack adapter (src/slack/reminders)
 * implements it and classifies Slack's answers into the outcomes below.
 */
import type { ReminderKind } from './reminder-schedule.ts';

export interface SlackAddress {
  teamId: string;
  slackUserId: string;
}

export interface ReminderToken {
  id: string;
  name: string;
  createdAt: Date;
  expiresAt: Date;
}

export interface ReminderOwner {
  id: string;
  email: string;
  name: string | null;
}

/** One reminder about to be delivered. */
export interface Reminder {
  kind: ReminderKind;
  token: ReminderToken;
  owner: ReminderOwner;
  /** Whole days left, rounded up; 0 once expired. */
  daysLeft: number;
}

/**
 * How a delivery went. `permanent` failures will fail the same way next time (the owner's
 * Slack account is gone, a bot, unreachable); the rest are retried with backoff.
 * `maybeDelivered`: the message went out and no answer came back (a timeout, a dropped
 * connection, a 5xx), so Slack may have posted it all the same.
 */
export type DeliveryOutcome =
  | { ok: true }
  | {
      ok: false;
      permanent: boolean;
      error: string;
      retryAfterMs?: number | undefined;
      maybeDelivered?: boolean | undefined;
    };

export const DELIVERED: DeliveryOutcome = { ok: true };

/**
 * Why the admins are told instead of the owner: no Slack account, a DM Slack refused for
 * good, or one that kept failing until the attempt cap (REMINDER_MAX_ATTEMPTS).
 */
export type EscalationReason =
  | { kind: 'no_slack_identity' }
  | { kind: 'slack_error'; error: string }
  | { kind: 'gave_up'; attempts: number; error: string };

/**
 * Whether an earlier attempt whose outcome is unknown did reach the owner. `unavailable`:
 * the notifier cannot tell (Slack refuses to show the history, e.g. without im:history),
 * so the caller sends again and accepts a possible duplicate; `failed`: it could not look
 * just now (5xx, 429, network), so the caller looks again later rather than guess.
 */
export type DeliveryLookup =
  | { kind: 'found' }
  | { kind: 'not_found' }
  | { kind: 'unavailable'; error: string }
  | { kind: 'failed'; error: string; retryAfterMs?: number | undefined };

export interface ReminderNotifier {
  /** DMs the owner (the first of their Slack identities that works). */
  remindOwner(to: readonly SlackAddress[], reminder: Reminder): Promise<DeliveryOutcome>;
  /** Looks for this reminder among the owner's DMs sent since `since`. */
  findDelivered(to: readonly SlackAddress[], reminder: Reminder, since: Date): Promise<DeliveryLookup>;
  /** Tells the admins that the owner could not be reached about this reminder. */
  escalate(reminder: Reminder, reason: EscalationReason): Promise<DeliveryOutcome>;
}

/** Counts of one sweep, for logs, the CLI's one-line summary and the benchmark. */
export interface SweepSummary {
  /** Delivery rows created because a window opened. */
  scheduled: number;
  claimed: number;
  sent: number;
  escalated: number;
  skipped: number;
  retried: number;
  /** Claimed but handed back unprocessed (stop requested, or Slack asked us to slow down). */
  released: number;
  /** Claimed, but the lease ran out before its turn and another sweep has it now. */
  overtaken: number;
  /** Tried, but the lease was gone when the outcome was written: discarded, the new holder decides. */
  lost: number;
  /** Of `sent`: an earlier attempt in doubt turned out delivered (found in Slack), so no second DM. */
  recovered: number;
  durationMs: number;
}

export const emptySummary = (): SweepSummary => ({
  scheduled: 0,
  claimed: 0,
  sent: 0,
  escalated: 0,
  skipped: 0,
  retried: 0,
  released: 0,
  overtaken: 0,
  lost: 0,
  recovered: 0,
  durationMs: 0,
});

export const describeSummary = (s: SweepSummary): string =>
  `reminders: ${s.sent} sent${s.recovered > 0 ? ` (${s.recovered} found already delivered)` : ''}, ${s.escalated} escalated, ${s.skipped} skipped, ${s.retried} to retry` +
  ` (${s.scheduled} newly due, ${s.claimed} claimed${s.released > 0 ? `, ${s.released} handed back` : ''}` +
  `${s.overtaken > 0 ? `, ${s.overtaken} taken over by another sweep` : ''}` +
  `${s.lost > 0 ? `, ${s.lost} outcome(s) discarded after losing the lease` : ''})` +
  ` in ${s.durationMs} ms`;
