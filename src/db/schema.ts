/**
 * The whole schema. Migrations in drizzle/ are generated from this file by
 * `npm run db:generate` and never written by hand — except the custom ones that hold what
 * drizzle-kit cannot express: drizzle/0005_revocation_triggers.sql (the `revocation_feed`
 * numbering table, and the triggers that announce revocations and deactivations).
 */
import { sql } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  boolean,
  type ExtraConfigColumn,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';

const at = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

export const users = pgTable(
  'users',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    email: text('email').notNull(),
    displayName: text('display_name'),
    role: text('role', { enum: ['admin', 'member'] })
      .notNull()
      .default('member'),
    createdAt: at('created_at').notNull().defaultNow(),
    deactivatedAt: at('deactivated_at'),
  },
  (t) => [uniqueIndex('users_email_lower_key').on(sql`lower(${t.email})`)],
);
export type User = typeof users.$inferSelect;
export type NewUser = typeof users.$inferInsert;
export type Role = User['role'];

export const slackIdentities = pgTable(
  'slack_identities',
  {
    teamId: text('team_id').notNull(),
    slackUserId: text('slack_user_id').notNull(),
    enterpriseId: text('enterprise_id'),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id),
    createdAt: at('created_at').notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.teamId, t.slackUserId] }),
    index('slack_identities_user_idx').on(t.userId),
  ],
);
export type SlackIdentity = typeof slackIdentities.$inferSelect;

export const apiTokens = pgTable(
  'api_tokens',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    secretHash: text('secret_hash').notNull(),
    ownerId: uuid('owner_id')
      .notNull()
      .references(() => users.id),
    createdBy: uuid('created_by').references(() => users.id),
    createdAt: at('created_at').notNull(),
    expiresAt: at('expires_at').notNull(),
    revokedAt: at('revoked_at'),
    revokedBy: uuid('revoked_by').references(() => users.id),
    revokeReason: text('revoke_reason'),
    lastUsedAt: at('last_used_at'),
    lastUsedIp: text('last_used_ip'),
  },
  (t) => [
    index('api_tokens_owner_idx').on(t.ownerId, t.createdAt),
    index('api_tokens_active_expiry_idx').on(t.expiresAt).where(sql`${t.revokedAt} is null`),
  ],
);
export type ApiToken = typeof apiTokens.$inferSelect;
export type NewApiToken = typeof apiTokens.$inferInsert;

export const auditEvents = pgTable(
  'audit_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    at: at('at').notNull(),
    actorId: uuid('actor_id').references(() => users.id),
    actorLabel: text('actor_label').notNull(),
    action: text('action').notNull(),
    subjectUserId: uuid('subject_user_id').references(() => users.id),
    tokenId: text('token_id'),
    details: jsonb('details').$type<Record<string, unknown>>().notNull().default({}),
  },
  (t) => [
    index('audit_events_at_idx').on(t.at),
    index('audit_events_subject_idx').on(t.subjectUserId, t.at),
    index('audit_events_token_idx').on(t.tokenId),
  ],
);
export type AuditEvent = typeof auditEvents.$inferSelect;

/**
 * One row per (token, reminder kind). The primary key makes "sent exactly once" a
 * database fact; `claimed_until`, `claim_id` and `next_attempt_at` let any instance pick
 * up work with `FOR UPDATE SKIP LOCKED` and retry after a crash or a Slack failure.
 */
export const reminderDeliveries = pgTable(
  'reminder_deliveries',
  {
    tokenId: text('token_id')
      .notNull()
      .references(() => apiTokens.id),
    kind: text('kind').notNull(),
    dueAt: at('due_at').notNull(),
    status: text('status', { enum: ['pending', 'sent', 'escalated', 'skipped'] })
      .notNull()
      .default('pending'),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: at('next_attempt_at').notNull(),
    claimedUntil: at('claimed_until'),
    /**
     * Who holds the lease: a fresh id per claim. Every later write for the row is
     * conditional on it, so an instance that lost its lease cannot undo the new holder's.
     */
    claimId: uuid('claim_id'),
    /**
     * When (database time) the earliest send attempt whose outcome is unknown began: set
     * before a delivery, cleared when its outcome is known. Still set when the row is
     * claimed again means "maybe delivered": look in Slack before sending again.
     */
    attemptStartedAt: at('attempt_started_at'),
    /**
     * While an attempt is in doubt and Slack will not show the DM history, the reminder is
     * sent again once, blind; this marks that such a resend began and may have landed, so
     * that it is never sent a third time.
     */
    resentUnverified: boolean('resent_unverified').notNull().default(false),
    lastError: text('last_error'),
    sentAt: at('sent_at'),
  },
  (t) => [
    primaryKey({ columns: [t.tokenId, t.kind] }),
    index('reminder_deliveries_pending_idx').on(t.nextAttemptAt).where(sql`${t.status} = 'pending'`),
  ],
);
export type ReminderDelivery = typeof reminderDeliveries.$inferSelect;

/**
 * The columns every outbox has (src/outbox): a row waits as `pending` until `next_attempt_at`,
 * is leased to one instance until `claimed_until`, and ends as `done` or `skipped`.
 */
const outboxColumns = <Done extends string>(done: Done) => ({
  status: text('status', { enum: ['pending', done, 'skipped'] as ['pending', Done, 'skipped'] })
    .notNull()
    .default('pending'),
  attempts: integer('attempts').notNull().default(0),
  nextAttemptAt: at('next_attempt_at').notNull(),
  claimedUntil: at('claimed_until'),
  lastError: text('last_error'),
});

/** The index the claim reads: pending rows by when they are due. */
const outboxPendingIndex = (
  name: string,
  t: { nextAttemptAt: ExtraConfigColumn; status: ExtraConfigColumn },
) => index(name).on(t.nextAttemptAt).where(sql`${t.status} = 'pending'`);

/**
 * The audit feed's outbox: one row per audit event to post to ADMIN_CHANNEL_ID, claimed
 * like reminder_deliveries so that each event is posted once by one instance. A table of
 * its own keeps audit_events append-only.
 */
export const auditFeedDeliveries = pgTable(
  'audit_feed_deliveries',
  {
    eventId: bigint('event_id', { mode: 'number' })
      .primaryKey()
      .references(() => auditEvents.id),
    ...outboxColumns('posted'),
    postedAt: at('posted_at'),
  },
  (t) => [outboxPendingIndex('audit_feed_deliveries_pending_idx', t)],
);
export type AuditFeedDelivery = typeof auditFeedDeliveries.$inferSelect;

/**
 * Offboarding notices for the admins, an outbox: the deactivation writes its notice in its
 * own transaction (so no deactivation goes untold, whichever edge made it), and any app
 * instance delivers it like the audit feed — claimed with a lease and SKIP LOCKED, retried
 * with backoff, sent once. The revoked tokens are copied in (names and public ids only).
 */
export const offboardingNotices = pgTable(
  'offboarding_notices',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id),
    at: at('at').notNull(),
    /** What deactivated them: `slack` (user_change), `cli`, … */
    source: text('source').notNull(),
    slackUserId: text('slack_user_id'),
    revokedTokens: jsonb('revoked_tokens').$type<Array<{ id: string; name: string }>>().notNull(),
    /** No active admin was left after this deactivation. */
    noAdminLeft: boolean('no_admin_left').notNull().default(false),
    ...outboxColumns('sent'),
    sentAt: at('sent_at'),
  },
  (t) => [outboxPendingIndex('offboarding_notices_pending_idx', t)],
);
export type OffboardingNoticeRow = typeof offboardingNotices.$inferSelect;

/**
 * Slack may deliver one view submission twice (a retry, a replay inside the signature
 * window, a double click). The first submission of a view id wins; later ones are refused.
 */
export const processedSubmissions = pgTable('processed_submissions', {
  key: text('key').primaryKey(),
  at: at('at').notNull(),
});
