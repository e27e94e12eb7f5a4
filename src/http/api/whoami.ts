/**
 * GET /api/v1/whoami: who a token belongs to and when it expires. Like GitHub's
 * `github-authentication-token-expiration`, the expiry also travels in a header so a
 * client can warn its user on any call.
 */
import dayjs from 'dayjs';
import utc from 'dayjs/plugin/utc.js';
import type { Logger } from '../../shared/logger.ts';
import type { Principal } from '../../verification/verification-cache.ts';
import type { Verifier } from '../../verification/verifier.ts';
import { sendJsonText } from '../respond.ts';
import type { Route } from '../server.ts';
import { clientIp, readBearer, sendAuthFailure, sendUnavailable } from './bearer.ts';

dayjs.extend(utc);

export const WHOAMI_PATH = '/api/v1/whoami';
export const EXPIRATION_HEADER = 'tokendesk-token-expiration';

/** GitHub's format: `2026-09-01 12:00:00 UTC`. */
export const formatExpiration = (at: Date): string => dayjs.utc(at).format('YYYY-MM-DD HH:mm:ss [UTC]');

export interface ApiDeps {
  verifier: Pick<Verifier, 'verify'>;
  logger: Logger;
  /** TRUSTED_PROXY_HOPS: how the client's address is found (see clientIp). */
  trustedProxyHops?: number;
}

/** The answer for a principal: the same every time it is served from the cache. */
const render = (principal: Principal) => ({
  body: JSON.stringify({
    user: { id: principal.user.id, email: principal.user.email, name: principal.user.name },
    token: {
      id: principal.tokenId,
      name: principal.tokenName,
      created_at: principal.createdAt.toISOString(),
      expires_at: principal.expiresAt.toISOString(),
    },
  }),
  headers: { [EXPIRATION_HEADER]: formatExpiration(principal.expiresAt) },
});

const rendered = new WeakMap<Principal, ReturnType<typeof render>>();

export const whoamiRoute = (deps: ApiDeps): Route => ({
  method: 'GET',
  path: WHOAMI_PATH,
  handler: async (req, res) => {
    req.resume();
    const bearer = readBearer(req.headers.authorization);
    if (!bearer.ok) return sendAuthFailure(res, bearer.problem);
    let outcome: Awaited<ReturnType<Verifier['verify']>>;
    try {
      const answer = deps.verifier.verify(bearer.credential, { ip: clientIp(req, deps.trustedProxyHops) });
      // A cached answer comes back at once: no await, no extra turn of the event loop.
      outcome = answer instanceof Promise ? await answer : answer;
    } catch (error) {
      deps.logger.error('whoami: verification failed', error);
      return sendUnavailable(res);
    }
    if (!outcome.ok) {
      return sendAuthFailure(
        res,
        outcome.reason,
        'retryAfterSeconds' in outcome ? outcome.retryAfterSeconds : 60,
      );
    }
    // A cached principal is the same object every time: render its answer once.
    let answer = rendered.get(outcome.principal);
    if (!answer) {
      answer = render(outcome.principal);
      rendered.set(outcome.principal, answer);
    }
    sendJsonText(res, 200, answer.body, answer.headers);
  },
});
