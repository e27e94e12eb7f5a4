/**
 * The one HTTP front door of an instance: health, the verification API and Slack's
 * request URL share a port. Slack requests get two checks Bolt does not make before
 * they reach Bolt's own HTTPReceiver (which verifies the signature, the staleness and the
 * 1 MiB body limit): a timestamp more than five minutes in the future is refused, and a
 * declared body over the limit is refused without reading it.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Logger } from '../shared/logger.ts';
import { sendError } from './respond.ts';

export const SLACK_EVENTS_PATH = '/slack/events';
export const MAX_BODY_BYTES = 1024 * 1024;
const MAX_CLOCK_SKEW_SECONDS = 5 * 60;

export type RouteHandler = (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<void> | void;

export interface Route {
  method: 'GET' | 'POST';
  path: string;
  handler: RouteHandler;
}

export interface HttpServerDeps {
  routes: Route[];
  /** Bolt HTTPReceiver's request listener; absent in Socket Mode. */
  slackListener?: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
  logger: Logger;
  nowMs?: () => number;
}

const slackGuard = (req: IncomingMessage, res: ServerResponse, nowMs: number): boolean => {
  const declared = Number(req.headers['content-length'] ?? '0');
  if (Number.isFinite(declared) && declared > MAX_BODY_BYTES) {
    sendError(res, 413, 'request.too_large', 'Request body exceeds 1 MiB');
    req.resume();
    return false;
  }
  const raw = req.headers['x-slack-request-timestamp'];
  const timestamp = typeof raw === 'string' ? Number(raw) : Number.NaN;
  if (
    !Number.isFinite(timestamp) ||
    Math.abs(timestamp - Math.floor(nowMs / 1000)) > MAX_CLOCK_SKEW_SECONDS
  ) {
    sendError(res, 401, 'request.bad_timestamp', 'Missing, stale or future request timestamp');
    req.resume();
    return false;
  }
  return true;
};

export const createHttpServer = (deps: HttpServerDeps): Server => {
  const nowMs = deps.nowMs ?? Date.now;
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const method = (req.method ?? 'GET').toUpperCase();
    if (url.pathname === SLACK_EVENTS_PATH && deps.slackListener) {
      if (method !== 'POST') return sendError(res, 405, 'request.method_not_allowed', 'Use POST');
      if (slackGuard(req, res, nowMs())) deps.slackListener(req, res);
      return;
    }
    const samePath = deps.routes.filter((r) => r.path === url.pathname);
    const route = samePath.find((r) => r.method === method);
    if (!route) {
      req.resume();
      if (samePath.length > 0) return sendError(res, 405, 'request.method_not_allowed', 'Method not allowed');
      return sendError(res, 404, 'request.not_found', 'Not found');
    }
    await route.handler(req, res, url);
  };
  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      deps.logger.error('request failed', { path: req.url?.split('?')[0] }, error);
      sendError(res, 500, 'internal', 'Internal error');
    });
  });
  // Slow clients must not hold sockets for ever; these are well above any Slack or API call.
  server.requestTimeout = 30_000;
  server.headersTimeout = 15_000;
  return server;
};

/** Reads a request body up to a limit; rejects with `tooLarge` beyond it. */
export const readBody = (req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(Object.assign(new Error('body too large'), { tooLarge: true }));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
