/**
 * RFC 6750 bearer credentials: reading `Authorization: Bearer <token>`, and the one place
 * where a failed verification becomes an HTTP answer. No answer ever contains the
 * presented credential.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isIP } from 'node:net';
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
    sendError(
      res,
      429,
      RATE_LIMITED_CODE,
      'Too many failed attempts with this token from here; retry later',
      {
        'retry-after': String(Math.max(1, retryAfterSeconds)),
      },
    );
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

/** An address as written in X-Forwarded-For (`203.0.113.7`, `203.0.113.7:4711`, `[2001:db8::1]:443`), or null. */
export const normalizeIp = (raw: string | undefined): string | null => {
  if (!raw) return null;
  let address = raw.trim();
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(address);
  if (bracketed) address = bracketed[1]!;
  else if (/^\d{1,3}(\.\d{1,3}){3}:\d+$/.test(address)) address = address.slice(0, address.lastIndexOf(':'));
  if (isIP(address) === 0) return null;
  // IPv4-mapped IPv6 (what a dual-stack socket reports) is shown as the IPv4 address.
  return /^::ffff:\d{1,3}(\.\d{1,3}){3}$/i.test(address) ? address.slice(7) : address.toLowerCase();
};

/**
 * The client's address, as stored in `last_used_ip` and counted by the attempt limiter.
 * With no trusted proxy it is the TCP peer, and X-Forwarded-For is ignored (anyone can send
 * one). Behind `trustedProxyHops` proxies that each append the address they saw, the client
 * is that many entries from the right of [X-Forwarded-For…, peer]: what the outermost
 * trusted proxy saw, never anything further left that the client itself may have forged.
 * An entry that is not an address (a misconfigured proxy) falls back to the peer.
 */
export const clientIp = (req: IncomingMessage, trustedProxyHops = 0): string | null => {
  const peer = normalizeIp(req.socket.remoteAddress);
  if (trustedProxyHops <= 0) return peer;
  const header = req.headers['x-forwarded-for'];
  const forwarded = (Array.isArray(header) ? header.join(',') : (header ?? ''))
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry.length > 0);
  // Nearest first: the peer (the last proxy), then what each proxy before it appended.
  const path = [peer ?? '', ...forwarded.reverse()];
  return normalizeIp(path[Math.min(trustedProxyHops, path.length - 1)]) ?? peer;
};
