/**
 * Tells every instance on the same database that tokens stopped working, through Postgres
 * LISTEN/NOTIFY (PGlite delivers the same notifications in-process).
 *
 * The database does the telling: triggers on api_tokens and users (drizzle/0005_revocation_triggers.sql)
 * NOTIFY inside the transaction that revokes a token or deactivates a user, so every writer — an app
 * instance, the CLI, plain SQL — is heard, and a NOTIFY is delivered exactly when its transaction
 * commits. This module only listens, and keeps the feed honest.
 *
 * A cache is only as fresh as the feed that invalidates it, and a LISTEN connection can
 * drop. postgres.js reconnects and re-issues LISTEN by itself (checked against a proxy
 * that cut the connection for 3 s and 12 s), but whatever was notified in between is
 * gone, and nothing tells the listener that it happened. So the feed checks itself:
 *
 * - Every message is `{"i": sender, "s": sequence, "u": sender uptime ms, "ids": [...], "owners": [...]}`,
 *   numbered by the database from one row per channel (gapless, in commit order), and each
 *   instance sends an empty one every `heartbeatMs` through the same numbering. A receiver
 *   that sees a sender's sequence jump has missed something and clears its cache; so does one
 *   that meets a sender whose first message it should have seen but did not.
 * - When nothing at all (not even its own heartbeat) has arrived for `staleAfterMs`, the
 *   feed counts as lost: the cache is cleared and not used (`isLive()` is false) until
 *   messages flow again, which clears it once more. While lost the bus also subscribes
 *   again now and then, in case the driver gave up re-listening.
 * Every doubt ends in a clear: the cost is some argon2 runs, never a revoked token accepted.
 */
import { sql } from 'drizzle-orm';
import type { DatabaseHandle } from '../db/client.ts';
import type { Logger } from '../shared/logger.ts';
import { isPublicId } from '../tokens/token-format.ts';

/** The channel the triggers announce on (spelled out again in drizzle/0005_revocation_triggers.sql). */
export const REVOCATION_CHANNEL = 'tokendesk_token_revoked';

export interface RevocationMessage {
  /** Sender: the database's feed row for the channel. */
  i: string;
  /** Sender's sequence number, from 1, gapless. */
  s: number;
  /** Milliseconds since the sender's first message. */
  u: number;
  /** Token ids that stopped working. */
  ids: string[];
  /** User ids deactivated: all their tokens stopped working. */
  owners: string[];
}

/** Where messages come from and how a heartbeat goes out: the database (a test may wrap it). */
export interface RevocationFeed {
  listen(channel: string, onMessage: (payload: string) => void): Promise<() => Promise<void>>;
  /** Sends one numbered message through the database's numbering; a heartbeat has no ids. */
  announce(channel: string, tokenIds?: readonly string[]): Promise<void>;
}

/** The feed of a database handle: LISTEN on it, announce through tokendesk_announce_revocations. */
export const databaseFeed = (handle: Pick<DatabaseHandle, 'listen' | 'db'>): RevocationFeed => ({
  listen: (channel, onMessage) => handle.listen(channel, onMessage),
  announce: async (channel, tokenIds = []) => {
    if (!tokenIds.every(isPublicId)) throw new Error('not a token id');
    // Public ids are [A-Za-z0-9]{12}: an array literal needs no quoting.
    const ids = `{${tokenIds.join(',')}}`;
    await handle.db.execute(sql`select tokendesk_announce_revocations(${channel}, ${ids}::text[])`);
  },
});

export interface RevocationBusDeps {
  feed: RevocationFeed;
  /** Tokens revoked by any writer (this instance included). */
  onRevoked: (tokenIds: string[]) => void;
  /** Users deactivated by any writer: none of their tokens may be served from a cache. */
  onOwnersDeactivated: (userIds: string[]) => void;
  /** Messages may have been missed: whatever is cached may be stale. */
  onFeedInterrupted: () => void;
  logger: Logger;
  /** A monotonic clock in ms (real time: heartbeats run on real timers). */
  nowMs?: () => number;
  heartbeatMs?: number;
  staleAfterMs?: number;
  /** Slack for notification latency when judging whether a sender started after we listened. */
  newSenderMarginMs?: number;
  channel?: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const parseRevocationMessage = (payload: string): RevocationMessage | undefined => {
  let value: unknown;
  try {
    value = JSON.parse(payload);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const { i, s, u, ids, owners = [] } = value as Record<string, unknown>;
  if (typeof i !== 'string' || !Number.isSafeInteger(s) || typeof u !== 'number' || !Array.isArray(ids)) {
    return undefined;
  }
  if (!ids.every((id) => typeof id === 'string' && isPublicId(id))) return undefined;
  if (!Array.isArray(owners) || !owners.every((id) => typeof id === 'string' && UUID.test(id))) {
    return undefined;
  }
  return { i, s: s as number, u, ids: ids as string[], owners: owners as string[] };
};

export const createRevocationBus = (deps: RevocationBusDeps) => {
  const channel = deps.channel ?? REVOCATION_CHANNEL;
  const nowMs = deps.nowMs ?? (() => performance.now());
  const heartbeatMs = deps.heartbeatMs ?? 1_000;
  const staleAfterMs = deps.staleAfterMs ?? 3_000;
  const newSenderMarginMs = deps.newSenderMarginMs ?? 2_000;
  const resubscribeAfterMs = staleAfterMs * 5;
  const forgetSenderAfterMs = Math.max(60_000, staleAfterMs * 10);
  const { logger } = deps;

  let live = false;
  let listeningSinceMs = 0;
  let lastMessageMs = 0;
  let lastSubscribeMs = Number.NEGATIVE_INFINITY;
  const senders = new Map<string, { seq: number; seenMs: number }>();
  let unsubscribe: (() => Promise<void>) | undefined;
  let subscribing: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let beating: Promise<void> | undefined;

  const interrupted = (why: string) => {
    logger.warn(`${why}; verification cache cleared`);
    deps.onFeedInterrupted();
  };

  const onMessage = (payload: string) => {
    const now = nowMs();
    lastMessageMs = now;
    if (!live) {
      live = true;
      listeningSinceMs = now;
      senders.clear();
      interrupted('revocation feed live again');
    }
    const message = parseRevocationMessage(payload);
    if (!message) {
      interrupted('unreadable revocation message');
      return;
    }
    if (message.ids.length > 0) deps.onRevoked(message.ids);
    if (message.owners.length > 0) deps.onOwnersDeactivated(message.owners);
    const known = senders.get(message.i);
    if (known) {
      if (message.s <= known.seq) return; // delivered twice (two subscriptions): nothing new
      if (message.s !== known.seq + 1) interrupted('revocation messages were missed');
    } else if (message.s !== 1 && message.u < now - listeningSinceMs - newSenderMarginMs) {
      // This sender started while we were listening, yet we never heard its first message.
      interrupted('revocation messages from a new sender were missed');
    }
    senders.set(message.i, { seq: message.s, seenMs: now });
  };

  const subscribe = (): Promise<void> => {
    subscribing ??= (async () => {
      lastSubscribeMs = nowMs();
      const previous = unsubscribe;
      unsubscribe = undefined;
      await previous?.().catch(() => undefined);
      try {
        unsubscribe = await deps.feed.listen(channel, onMessage);
        // LISTEN is in place: from here on nothing committed is missed.
        const now = nowMs();
        if (!live) deps.onFeedInterrupted();
        live = true;
        lastMessageMs = now;
        listeningSinceMs = now;
        senders.clear();
      } catch (error) {
        logger.warn('could not listen for revocations; caching stays off', error);
      }
    })().finally(() => {
      subscribing = undefined;
    });
    return subscribing;
  };

  const beat = () => {
    const now = nowMs();
    if (live && now - lastMessageMs > staleAfterMs) {
      live = false;
      interrupted(
        `revocation feed silent for ${Math.round(now - lastMessageMs)} ms; caching off until it recovers`,
      );
    }
    if (!live && !subscribing && now - lastSubscribeMs > resubscribeAfterMs) void subscribe();
    for (const [id, sender] of senders) if (now - sender.seenMs > forgetSenderAfterMs) senders.delete(id);
    // A heartbeat still waiting (database unreachable) is not joined by another one. A failed one
    // is not logged: the silence it causes is what marks the feed lost, and that is logged.
    beating ??= deps.feed
      .announce(channel)
      .catch(() => undefined)
      .finally(() => {
        beating = undefined;
      });
  };

  return {
    start: async (): Promise<void> => {
      await subscribe();
      beat();
      timer = setInterval(beat, heartbeatMs);
      timer.unref();
    },

    /** Whether revocations from other writers are reaching this instance right now. */
    isLive: (): boolean => live && nowMs() - lastMessageMs <= staleAfterMs,

    stop: async (): Promise<void> => {
      if (timer) clearInterval(timer);
      timer = undefined;
      await subscribing;
      live = false;
      const current = unsubscribe;
      unsubscribe = undefined;
      await current?.().catch(() => undefined);
      await beating;
    },
  };
};

export type RevocationBus = ReturnType<typeof createRevocationBus>;
