/**
 * RFC 6750 bearer credentials: reading `Authorization: Bearer <token>`, and the one place
 * where a failed verification becomes an HTTP answer. No answer ever contains the
 * presented credential.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { VerifyOutcome } from '../../verification/verifier.ts';
import { sendError } from '../respond.ts';

export const REALM = 'tokendesk';

export type BearerProblem = 'missing' | 'wrong_scheme' | 'malformed';
export type Bearer = { ok: true; credential: string } | { ok: false; problem: BearerProblem };

// RFC 6750 §2.1: b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

export const readBearer = (header: string | undefined): Bearer => {
  if (header === undefined || header.trim() === '') return { ok: false, problem: 'missing' };
  const match = /^(\S+)(?:[ ]+(.*))?$/.exec(header.trim());
  if (!match || match[1]!.toLowerCase() !== 'bearer') return { ok: false, problem: 'wrong_scheme' };
  const credential = (match[2] ?? '').trim();
  if (!B64TOKEN.test(credential)) return { ok: false, problem: 'malformed' };
  return { ok: true, credential };
};

export const RATE_LIMITED_CODE = 'auth.rate_limited';
export const UNAVAILABLE_CODE = 'unavailable';

type Failure = BearerProblem | Exclude<VerifyOutcome, { ok: true }>['reason'];

/** Every 401 the verification API gives, by reason (the README lists these codes; a test checks). */
export const AUTH_FAILURES: Record<Exclude<Failure, 'rate_limited'>, { code: string; message: string }> = {
  missing: { code: 'auth.missing_token', message: 'Send the API token as "Authorization: Bearer <token>"' },
  wrong_scheme: {
    code: 'auth.wrong_scheme',
    message: 'Only bearer tokens are accepted: "Authorization: Bearer <token>"',
  },
  malformed: {
    code: 'auth.malformed_token',
    message: 'That is not a Tokendesk API token, or it is mistyped',
  },
  unknown: { code: 'auth.invalid_token', message: 'The token is not valid' },
  revoked: { code: 'auth.token_revoked', message: 'The token has been revoked' },
  expired: { code: 'auth.token_expired', message: 'The token has expired' },
  owner_deactivated: { code: 'auth.owner_deactivated', message: "The token's owner has been deactivated" },
};

/**
 * 401 with a `WWW-Authenticate` challenge. Per RFC 6750 §3.1 a request that carried no
 * bearer credential at all gets the bare challenge; one that carried a bad token gets
 * `error="invalid_token"`. A 429 answers a token id locked by too many failures.
 */
export const sendAuthFailure = (res: ServerResponse, failure: Failure, retryAfterSeconds = 60): void => {
  if (failure === 'rate_limited') {
    sendError(res, 429, RATE_LIMITED_CODE, 'Too many failed attempts with this token; retry later', {
      'retry-after': String(Math.max(1, retryAfterSeconds)),
    });
    return;
  }
  const { code, message } = AUTH_FAILURES[failure];
  const challenge =
    failure === 'missing' || failure === 'wrong_scheme'
      ? `Bearer realm="${REALM}"`
      : `Bearer realm="${REALM}", error="invalid_token", error_description="${message.replace(/"/g, "'")}"`;
  sendError(res, 401, code, message, { 'www-authenticate': challenge });
};

/** The database could not answer: the token may well be valid, so never say otherwise. */
export const sendUnavailable = (res: ServerResponse): void =>
  sendError(res, 503, UNAVAILABLE_CODE, 'Token verification is temporarily unavailable; retry shortly', {
    'retry-after': '5',
  });

/** The peer's address as stored in `last_used_ip` (IPv4-mapped IPv6 shown as IPv4). */
export const clientIp = (req: IncomingMessage): string | null => {
  const address = req.socket.remoteAddress;
  if (!address) return null;
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
};
