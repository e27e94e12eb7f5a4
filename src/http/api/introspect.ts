/**
 * POST /api/v1/introspect (RFC 7662) for the product's servers: they send the token a
 * client presented and learn whether it is active and whose it is. Callers authenticate
 * with `Authorization: Bearer <INTROSPECTION_SECRET>`; without that setting the route
 * does not exist. Anything not valid, including a token id locked by failed attempts,
 * answers `{"active": false}` (RFC 7662 §2.2 gives no reasons, so neither do we).
 *
 * The caller is the product server, not the client that presented the token, so the TCP
 * peer says nothing about the client. The caller may add `client_ip` (RFC 7662 §2.1 allows
 * extra parameters): then that address is recorded as last used and counted by the attempt
 * limiter, and one client's failures cannot lock out another's.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { MAX_BODY_BYTES, readLimitedBody } from '../body.ts';
import { sendError, sendJson } from '../respond.ts';
import type { Route } from '../server.ts';
import { normalizeIp, readBearer, sendUnavailable } from './bearer.ts';
import type { ApiDeps } from './whoami.ts';

export const INTROSPECT_PATH = '/api/v1/introspect';

/** Compares digests, so neither the contents nor the length of the secret leak through timing. */
export const secretMatches = (presented: string, secret: string): boolean =>
  timingSafeEqual(
    createHash('sha256').update(presented).digest(),
    createHash('sha256').update(secret).digest(),
  );

type TokenField =
  | { ok: true; token: string; clientIp: string | null }
  | { ok: false; status: 400 | 415; code: string; message: string };

const badRequest = (message: string): TokenField => ({
  ok: false,
  status: 400,
  code: 'request.invalid',
  message,
});

const CLIENT_IP_PROBLEM = 'The optional "client_ip" must be one IPv4 or IPv6 address';

const withClientIp = (token: string, given: readonly string[]): TokenField => {
  if (given.length === 0) return { ok: true, token, clientIp: null };
  const clientIp = given.length === 1 ? normalizeIp(given[0]) : null;
  return clientIp ? { ok: true, token, clientIp } : badRequest(CLIENT_IP_PROBLEM);
};

export const parseIntrospectionBody = (contentType: string | undefined, text: string): TokenField => {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (type === 'application/x-www-form-urlencoded') {
    const params = new URLSearchParams(text);
    const tokens = params.getAll('token');
    if (tokens.length > 1) return badRequest('Send the "token" parameter once');
    const token = tokens[0];
    if (!token) return badRequest('The "token" parameter is required');
    return withClientIp(token, params.getAll('client_ip'));
  }
  if (type === 'application/json') {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      return badRequest('The body is not valid JSON');
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      return badRequest('The body must be a JSON object with a "token" string');
    }
    const { token, client_ip: clientIp } = value as Record<string, unknown>;
    if (typeof token !== 'string' || token === '') {
      return badRequest('The body must be a JSON object with a "token" string');
    }
    if (clientIp !== undefined && typeof clientIp !== 'string') return badRequest(CLIENT_IP_PROBLEM);
    return withClientIp(token, clientIp === undefined ? [] : [clientIp]);
  }
  return {
    ok: false,
    status: 415,
    code: 'request.unsupported_media_type',
    message: 'Send application/x-www-form-urlencoded (token=…) or application/json ({"token": …})',
  };
};

const tooLarge = { code: 'request.too_large', message: 'Request body exceeds 1 MiB' };

/** No route at all when no secret is configured: the endpoint is off and answers 404. */
export const introspectRoutes = (deps: ApiDeps & { secret: string | undefined }): Route[] => {
  const { secret } = deps;
  if (!secret) return [];
  return [
    {
      method: 'POST',
      path: INTROSPECT_PATH,
      handler: async (req, res) => {
        const declared = Number(req.headers['content-length'] ?? '0');
        if (Number.isFinite(declared) && declared > MAX_BODY_BYTES) {
          req.resume();
          return sendError(res, 413, tooLarge.code, tooLarge.message, { connection: 'close' });
        }
        const bearer = readBearer(req.headers.authorization);
        if (!bearer.ok || !secretMatches(bearer.credential, secret)) {
          req.resume();
          return sendError(
            res,
            401,
            'auth.invalid_client',
            'Send "Authorization: Bearer <INTROSPECTION_SECRET>"',
            {
              'www-authenticate': `Bearer realm="tokendesk-introspection"${bearer.ok ? ', error="invalid_token"' : ''}`,
            },
          );
        }
        const body = await readLimitedBody(req, MAX_BODY_BYTES);
        if (body === 'too_large') {
          // Closing is cheaper than draining an oversized upload.
          res.once('finish', () => req.destroy());
          return sendError(res, 413, tooLarge.code, tooLarge.message, { connection: 'close' });
        }
        const field = parseIntrospectionBody(req.headers['content-type'], body.toString('utf8'));
        if (!field.ok) return sendError(res, field.status, field.code, field.message);
        let outcome: Awaited<ReturnType<ApiDeps['verifier']['verify']>>;
        try {
          // The product server, not the client, is the peer here: only it can say who the client is.
          outcome = await deps.verifier.verify(field.token, { ip: field.clientIp });
        } catch (error) {
          deps.logger.error('introspect: verification failed', error);
          return sendUnavailable(res);
        }
        if (!outcome.ok) return sendJson(res, 200, { active: false });
        const { principal } = outcome;
        sendJson(res, 200, {
          active: true,
          sub: principal.user.id,
          username: principal.user.email,
          exp: Math.floor(principal.expiresAt.getTime() / 1000),
          iat: Math.floor(principal.createdAt.getTime() / 1000),
          token_type: 'Bearer',
          jti: principal.tokenId,
        });
      },
    },
  ];
};
