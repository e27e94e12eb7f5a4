/**
 * Tells every instance on the same database that tokens were revoked, through Postgres
 * LISTEN/NOTIFY (PGlite delivers the same notifications in-process).
 *
 * A cache is only as fresh as the feed that invalidates it, and a LISTEN connection can
 * drop. postgres.js reconnects and re-issues LISTEN by itself (checked against a proxy
 * that cut the connection for 3 s and 12 s), but whatever was notified in between is
 * gone, and nothing tells the listener that it happened. So the feed checks itself:
 *
 * - Every message is `{"i": sender, "s": sequence, "u": sender uptime ms, "ids": [...]}`,
 *   and each instance sends an empty one every `heartbeatMs`. A receiver that sees a
 *   sender's sequence jump has missed something and clears its cache; so does one that
 *   meets a sender whose first message it should have seen but did not.
 * - When nothing at all (not even its own heartbeat) has arrived for `staleAfterMs`, the
 *   feed counts as lost: the cache is cleared and not used (`isLive()` is false) until
 *   messages flow again, which clears it once more. While lost the bus also subscribes
 *   again now and then, in case the driver gave up re-listening.
 * Every doubt ends in a clear: the cost is some argon2 runs, never a revoked token accepted.
 */
import { randomBytes } from 'node:crypto';
import type { DatabaseHandle } from '../db/client.ts';
import type { Logger } from '../shared/logger.ts';
import { isPublicId } from '../tokens/token-format.ts';

export const REVOCATION_CHANNEL = 'tokendesk_token_revoked';
/** Postgres refuses payloads of 8000 bytes or more; 400 ids of 12 characters stay well below. */
const IDS_PER_MESSAGE = 400;
const PUBLISH_ATTEMPTS = 3;

export interface RevocationMessage {
  /** Sender: random per bus. */
  i: string;
  /** Sender's sequence number, from 1, one per NOTIFY attempt. */
  s: number;
  /** Milliseconds since the sender's first message. */
  u: number;
  ids: string[];
}

export interface RevocationBusDeps {
  handle: Pick<DatabaseHandle, 'listen' | 'notify'>;
  /** Tokens revoked by any instance (this one included). */
  onRevoked: (tokenIds: string[]) => void;
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

export const parseRevocationMessage = (payload: string): RevocationMessage | undefined => {
  let value: unknown;
  try {
    value = JSON.parse(payload);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const { i, s, u, ids } = value as Record<string, unknown>;
  if (typeof i !== 'string' || !Number.isSafeInteger(s) || typeof u !== 'number' || !Array.isArray(ids)) {
    return undefined;
  }
  if (!ids.every((id) => typeof id === 'string' && isPublicId(id))) return undefined;
  return { i, s: s as number, u, ids: ids as string[] };
};

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export const createRevocationBus = (deps: RevocationBusDeps) => {
  const channel = deps.channel ?? REVOCATION_CHANNEL;
  const nowMs = deps.nowMs ?? (() => performance.now());
  const heartbeatMs = deps.heartbeatMs ?? 1_000;
  const staleAfterMs = deps.staleAfterMs ?? 3_000;
  const newSenderMarginMs = deps.newSenderMarginMs ?? 2_000;
  const resubscribeAfterMs = staleAfterMs * 5;
  const forgetSenderAfterMs = Math.max(60_000, staleAfterMs * 10);
  const { logger } = deps;
  const self = randomBytes(6).toString('base64url');

  // Receiving side.
  let live = false;
  let listeningSinceMs = 0;
  let lastMessageMs = 0;
  let lastSubscribeMs = Number.NEGATIVE_INFINITY;
  const senders = new Map<string, { seq: number; seenMs: number }>();
  let unsubscribe: (() => Promise<void>) | undefined;
  let subscribing: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;
  // Sending side: one NOTIFY at a time, so sequence order is commit order.
  let seq = 0;
  let firstSentMs: number | undefined;
  let sending: Promise<unknown> = Promise.resolve();
  let beating = false;

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
    const known = senders.get(message.i);
    if (known) {
      if (message.s <= known.seq) return; // delivered twice (two subscriptions): nothing new
      if (message.s !== known.seq + 1) interrupted('revocation messages were missed');
    } else if (message.s !== 1 && message.u < now - listeningSinceMs - newSenderMarginMs) {
      // This sender started while we were listening, yet we never heard its first message.
      interrupted('revocation messages from a new instance were missed');
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
        unsubscribe = await deps.handle.listen(channel, onMessage);
        // LISTEN is in place: from here on nothing published is missed.
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

  /** Sends one message; every attempt takes a fresh sequence number, so a lost one shows as a gap. */
  const send = (ids: string[]): Promise<void> => {
    const next = sending.then(async () => {
      const now = nowMs();
      firstSentMs ??= now;
      seq += 1;
      const message: RevocationMessage = { i: self, s: seq, u: Math.round(now - firstSentMs), ids };
      await deps.handle.notify(channel, JSON.stringify(message));
    });
    sending = next.catch(() => undefined);
    return next;
  };

  const beat = async () => {
    const now = nowMs();
    if (live && now - lastMessageMs > staleAfterMs) {
      live = false;
      interrupted(
        `revocation feed silent for ${Math.round(now - lastMessageMs)} ms; caching off until it recovers`,
      );
    }
    if (!live && !subscribing && now - lastSubscribeMs > resubscribeAfterMs) void subscribe();
    for (const [id, sender] of senders) if (now - sender.seenMs > forgetSenderAfterMs) senders.delete(id);
    // A heartbeat still waiting (database unreachable) is not joined by another one.
    if (beating) return;
    beating = true;
    try {
      await send([]);
    } catch {
      // The silence this causes is what marks the feed lost; the warning is logged there.
    } finally {
      beating = false;
    }
  };

  return {
    start: async (): Promise<void> => {
      await subscribe();
      void beat();
      timer = setInterval(() => void beat(), heartbeatMs);
      timer.unref();
    },

    /** Whether revocations from other instances are reaching this one right now. */
    isLive: (): boolean => live && nowMs() - lastMessageMs <= staleAfterMs,

    /**
     * Tells every instance. Never throws: the revoke has committed by now, so a failure is
     * logged. A failed attempt still used up a sequence number, so other instances clear
     * their caches at this instance's next heartbeat that gets through.
     */
    publish: async (tokenIds: readonly string[]): Promise<void> => {
      for (let i = 0; i < tokenIds.length; i += IDS_PER_MESSAGE) {
        const ids = tokenIds.slice(i, i + IDS_PER_MESSAGE);
        for (let attempt = 1; ; attempt++) {
          try {
            await send(ids);
            break;
          } catch (error) {
            if (attempt < PUBLISH_ATTEMPTS) {
              await pause(100 * 2 ** attempt);
              continue;
            }
            logger.error(
              `could not announce ${tokenIds.length} revoked token(s); other instances clear their caches at the next heartbeat that gets through`,
              error,
            );
            return;
          }
        }
      }
    },

    stop: async (): Promise<void> => {
      if (timer) clearInterval(timer);
      timer = undefined;
      await subscribing;
      live = false;
      const current = unsubscribe;
      unsubscribe = undefined;
      await current?.().catch(() => undefined);
      await sending;
    },

    /** This bus's sender id (tests use it to forge gaps). */
    senderId: self,
  };
};

export type RevocationBus = ReturnType<typeof createRevocationBus>;
