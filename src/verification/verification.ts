/**
 * Builds the verification parts of one instance (cache, attempt limiter, last-used
 * recorder, revocation bus, verifier) and wires them to each other and to the services:
 * a revoke made here drops the token from this cache at once; the database announces
 * every revoke and deactivation, whoever made it, and the announcement drops it in every
 * instance (this one again, harmlessly).
 */
import type { Config } from '../config.ts';
import type { DatabaseHandle } from '../db/client.ts';
import type { Services } from '../services.ts';
import type { Logger } from '../shared/logger.ts';
import {
  type AttemptLimiterOptions,
  createAttemptLimiter,
  DEFAULT_ATTEMPT_LIMITS,
} from './attempt-limiter.ts';
import { createLastUsedRecorder, type LastUsedRecorderDeps } from './last-used-recorder.ts';
import { createRevocationBus, databaseFeed, type RevocationBusDeps } from './revocation-bus.ts';
import { createVerificationCache } from './verification-cache.ts';
import { createVerifier } from './verifier.ts';

export interface VerificationDeps {
  services: Pick<Services, 'db' | 'clock' | 'tokens' | 'repos' | 'onTokensRevoked'>;
  handle: Pick<DatabaseHandle, 'listen' | 'db'>;
  config: Pick<Config, 'verifyCacheSeconds' | 'verifyCacheSize'>;
  logger: Logger;
  limits?: AttemptLimiterOptions;
  /** Timing knobs, for tests. */
  recorder?: Pick<LastUsedRecorderDeps, 'minIntervalMs' | 'tickMs'>;
  bus?: Pick<RevocationBusDeps, 'heartbeatMs' | 'staleAfterMs' | 'newSenderMarginMs' | 'channel'>;
}

export const createVerification = (deps: VerificationDeps) => {
  const { services, logger } = deps;
  const nowMs = () => services.clock.now().getTime();
  const cache = createVerificationCache({
    maxEntries: deps.config.verifyCacheSize,
    ttlMs: deps.config.verifyCacheSeconds * 1000,
  });
  const limiter = createAttemptLimiter(deps.limits ?? DEFAULT_ATTEMPT_LIMITS);
  const recorder = createLastUsedRecorder({
    write: (uses) => services.repos.tokens.touchLastUsed(services.db, uses),
    nowMs,
    logger: logger.child('last-used'),
    ...deps.recorder,
  });
  const bus = createRevocationBus({
    feed: databaseFeed(deps.handle),
    onRevoked: (ids) => cache.drop(ids),
    onOwnersDeactivated: (userIds) => cache.dropOwners(userIds),
    onFeedInterrupted: () => cache.clear(),
    logger: logger.child('revocations'),
    ...deps.bus,
  });
  // At once here, before the caller even answers; the database's announcement follows on commit.
  services.onTokensRevoked((ids) => cache.drop(ids));
  const verifier = createVerifier({
    verifyToken: (candidate) => services.tokens.verify(candidate),
    cache,
    limiter,
    recorder,
    cacheTrusted: () => cache.enabled && bus.isLive(),
    nowMs,
  });

  return {
    verifier,
    cache,
    limiter,
    recorder,
    bus,
    start: async (): Promise<void> => {
      // Without a cache there is nothing to invalidate, so no feed to keep alive.
      if (cache.enabled) await bus.start();
      recorder.start();
    },
    /** Writes pending last-used times and stops listening. */
    stop: async (): Promise<void> => {
      await recorder.stop();
      await bus.stop();
    },
  };
};

export type Verification = ReturnType<typeof createVerification>;
