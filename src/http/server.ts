/**
 * The one HTTP front door of an instance: health, the verification API and Slack's
 * request URL share a port. Slack requests arrive already wrapped by
 * `guardSlackRequests` (slack-request-guard.ts), which answers 413/401/400 itself and
 * hands Bolt only signed, well-formed bodies.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Logger } from '../shared/logger.ts';
import { sendError } from './respond.ts';

export const SLACK_EVENTS_PATH = '/slack/events';

export type RouteHandler = (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<void> | void;

export interface Route {
  method: 'GET' | 'POST';
  path: string;
  handler: RouteHandler;
}

export interface HttpServerDeps {
  routes: Route[];
  /** Bolt HTTPReceiver's request listener behind the request guard; absent in Socket Mode. */
  slackListener?: ((req: IncomingMessage, res: ServerResponse) => Promise<void>) | undefined;
  logger: Logger;
}

export const createHttpServer = (deps: HttpServerDeps): Server => {
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const method = (req.method ?? 'GET').toUpperCase();
    if (url.pathname === SLACK_EVENTS_PATH && deps.slackListener) {
      if (method !== 'POST') return sendError(res, 405, 'request.method_not_allowed', 'Use POST');
      return deps.slackListener(req, res);
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
