/**
 * Wires repositories into use-cases. Both the app (src/index.ts) and the CLI build
 * their services here, so every edge runs the same domain code.
 */
import { createAuditRepository } from './audit/audit.repository.ts';
import { createAuditUseCases } from './audit/audit.usecases.ts';
import { createAuditFeedRepository } from './audit/audit-feed.repository.ts';
import { createAuditFeed } from './audit/audit-feed.usecases.ts';
import type { Config } from './config.ts';
import type { Database, Transaction } from './db/client.ts';
import type { ApiToken } from './db/schema.ts';
import { createIdempotency } from './idempotency/idempotency.ts';
import { createOffboardingNoticesRepository } from './offboarding/offboarding-notices.repository.ts';
import { createOffboardingNotices } from './offboarding/offboarding-notices.usecases.ts';
import { createRemindersRepository } from './reminders/reminders.repository.ts';
import { createRemindersUseCases } from './reminders/reminders.usecases.ts';
import { type Clock, systemClock } from './shared/clock.ts';
import { cryptoRandom, type RandomSource } from './shared/random.ts';
import { createTokenHasher, type TokenHasher } from './tokens/token-hashing.ts';
import { createTokensRepository } from './tokens/tokens.repository.ts';
import { createTokensUseCases } from './tokens/tokens.usecases.ts';
import { createUsersRepository } from './users/users.repository.ts';
import { createUsersUseCases } from './users/users.usecases.ts';

export type ServicesConfig = Pick<
  Config,
  | 'adminEmails'
  | 'adminSlackUserIds'
  | 'tokenDefaultDays'
  | 'tokenMaxDays'
  | 'argon2MemoryKib'
  | 'argon2Iterations'
  | 'argon2Parallelism'
  | 'tokenPepper'
  | 'reminderDays'
>;

export interface ServicesDeps {
  db: Database;
  config: ServicesConfig;
  clock?: Clock;
  random?: RandomSource;
  hasher?: TokenHasher;
  onGenerated?: (tx: Transaction, token: ApiToken) => Promise<void>;
  onTokensRevoked?: (tokenIds: string[]) => void;
}

export const createServices = (deps: ServicesDeps) => {
  const clock = deps.clock ?? systemClock;
  const random = deps.random ?? cryptoRandom;
  const hasher =
    deps.hasher ??
    createTokenHasher({
      memoryKib: deps.config.argon2MemoryKib,
      iterations: deps.config.argon2Iterations,
      parallelism: deps.config.argon2Parallelism,
      pepper: deps.config.tokenPepper,
    });
  const repos = {
    users: createUsersRepository(),
    tokens: createTokensRepository(),
    audit: createAuditRepository(),
    reminders: createRemindersRepository(),
    auditFeed: createAuditFeedRepository(),
    offboardingNotices: createOffboardingNoticesRepository(),
  };
  // Listeners are looked up at call time so that later modules (caches, notices) can subscribe.
  const revokedListeners: Array<(ids: string[]) => void> = [];
  if (deps.onTokensRevoked) revokedListeners.push(deps.onTokensRevoked);
  const onTokensRevoked = (ids: string[]) => {
    for (const listener of revokedListeners) listener(ids);
  };
  const noticeListeners: Array<() => void> = [];
  const users = createUsersUseCases({
    db: deps.db,
    clock,
    users: repos.users,
    tokens: repos.tokens,
    audit: repos.audit,
    notices: repos.offboardingNotices,
    bootstrap: { adminEmails: deps.config.adminEmails, adminSlackUserIds: deps.config.adminSlackUserIds },
    onTokensRevoked,
    onNoticeQueued: () => {
      for (const listener of noticeListeners) listener();
    },
  });
  const tokens = createTokensUseCases({
    db: deps.db,
    clock,
    random,
    hasher,
    tokens: repos.tokens,
    audit: repos.audit,
    users,
    policy: { defaultDays: deps.config.tokenDefaultDays, maxDays: deps.config.tokenMaxDays },
    ...(deps.onGenerated ? { onGenerated: deps.onGenerated } : {}),
    onRevoked: onTokensRevoked,
  });
  const audit = createAuditUseCases({ db: deps.db, audit: repos.audit, users });
  const reminders = createRemindersUseCases({
    db: deps.db,
    clock,
    reminders: repos.reminders,
    tokens: repos.tokens,
    users: repos.users,
    audit: repos.audit,
    usersUseCases: users,
    offsets: deps.config.reminderDays,
  });
  const auditFeed = createAuditFeed({ db: deps.db, clock, feed: repos.auditFeed });
  return {
    db: deps.db,
    clock,
    random,
    hasher,
    repos,
    users,
    tokens,
    audit,
    reminders,
    /** Posts audit events to the admin channel; `run(publisher)` is one round. */
    auditFeed,
    /** Tells the admins about offboardings; `run(publisher)` is one round. */
    offboardingNotices: createOffboardingNotices({ db: deps.db, clock, notices: repos.offboardingNotices }),
    idempotency: createIdempotency({ db: deps.db, clock }),
    /** Subscribe to "these tokens were revoked" (after commit). */
    onTokensRevoked: (listener: (ids: string[]) => void) => revokedListeners.push(listener),
    /** Subscribe to "an offboarding notice was queued" (after commit). */
    onOffboardingNoticeQueued: (listener: () => void) => noticeListeners.push(listener),
  };
};

export type Services = ReturnType<typeof createServices>;
