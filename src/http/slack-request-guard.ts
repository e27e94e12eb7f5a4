/**
 * Checks every request to Slack's request URL before Bolt's HTTPReceiver sees it, and
 * answers the ones Bolt would mishandle:
 *
 * - 413 for a body over 1 MiB, declared or streamed, without buffering the excess;
 * - 401 for a missing, stale (> 5 min old) or future (> 5 min ahead — Bolt lets these
 *   through) timestamp, and for a missing or wrong signature;
 * - 400 for a signed body that is not what Slack sends: a `payload` that is not a JSON
 *   object with a `type` (Bolt answers `payload=null` by never answering at all, and a
 *   JSON array with 404), a form without `command`, JSON that does not parse.
 *
 * Order matters: authenticity is settled before the body's shape, so an unsigned caller
 * learns nothing about what would parse. A request that passes is handed on with its
 * buffered body as `rawBody`, which Bolt reuses instead of reading the stream again.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { MAX_BODY_BYTES, readLimitedBody } from './body.ts';
import { sendError } from './respond.ts';
import { slackBodyProblem } from './slack-request-shape.ts';

const MAX_CLOCK_SKEW_SECONDS = 5 * 60;

export interface SlackRequestGuardOptions {
  signingSecret: string;
  nowMs?: () => number;
  maxBodyBytes?: number;
}

type Verdict = { ok: true; body: Buffer } | { ok: false; status: number; code: string; message: string };

const refuse = (status: number, code: string, message: string): Verdict => ({
  ok: false,
  status,
  code,
  message,
});

const TOO_LARGE = refuse(413, 'request.too_large', 'Request body exceeds 1 MiB');

const header = (req: IncomingMessage, name: string): string | undefined => {
  const value = req.headers[name];
  return typeof value === 'string' ? value : undefined;
};

const signatureMatches = (secret: string, timestamp: string, body: Buffer, given: string): boolean => {
  const expected = Buffer.from(
    `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:`).update(body).digest('hex')}`,
  );
  const actual = Buffer.from(given);
  return actual.length === expected.length && timingSafeEqual(actual, expected);
};

const check = async (req: IncomingMessage, options: Required<SlackRequestGuardOptions>): Promise<Verdict> => {
  const declared = Number(req.headers['content-length'] ?? '0');
  if (Number.isFinite(declared) && declared > options.maxBodyBytes) return TOO_LARGE;
  const body = await readLimitedBody(req, options.maxBodyBytes);
  if (body === 'too_large') return TOO_LARGE;

  const timestamp = header(req, 'x-slack-request-timestamp');
  const seconds = timestamp !== undefined && /^\d{1,12}$/.test(timestamp) ? Number(timestamp) : Number.NaN;
  if (
    !Number.isFinite(seconds) ||
    Math.abs(seconds - Math.floor(options.nowMs() / 1000)) > MAX_CLOCK_SKEW_SECONDS
  )
    return refuse(401, 'request.bad_timestamp', 'Missing, stale or future request timestamp');
  const signature = header(req, 'x-slack-signature');
  if (!signature || !signatureMatches(options.signingSecret, String(timestamp), body, signature))
    return refuse(401, 'request.bad_signature', 'Missing or invalid request signature');

  const problem = slackBodyProblem(header(req, 'content-type'), body);
  if (problem) return refuse(400, 'request.malformed', `Malformed Slack request: ${problem}`);
  return { ok: true, body };
};

/**
 * Wraps Bolt's request listener: `listener` runs only for requests that pass, with the
 * body already buffered on `req.rawBody`.
 */
export const guardSlackRequests = (
  listener: (req: IncomingMessage, res: ServerResponse) => void,
  options: SlackRequestGuardOptions,
) => {
  const resolved: Required<SlackRequestGuardOptions> = {
    nowMs: Date.now,
    maxBodyBytes: MAX_BODY_BYTES,
    ...options,
  };
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const verdict = await check(req, resolved);
    if (!verdict.ok) {
      if (verdict.status === 413) {
        // Closing is cheaper than draining an oversized upload.
        res.once('finish', () => req.destroy());
        return sendError(res, 413, verdict.code, verdict.message, { connection: 'close' });
      }
      return sendError(res, verdict.status, verdict.code, verdict.message);
    }
    (req as IncomingMessage & { rawBody?: Buffer }).rawBody = verdict.body;
    listener(req, res);
  };
};
