import type { DatabaseHandle } from '../db/client.ts';
import { sendJson } from './respond.ts';
import type { Route } from './server.ts';

const withTimeout = <T>(promise: Promise<T>, ms: number): Promise<T> =>
  Promise.race([
    promise,
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error('timeout')), ms).unref()),
  ]);

/** 200 when the database answers within two seconds, 503 otherwise. */
export const healthRoute = (handle: Pick<DatabaseHandle, 'ping'>): Route => ({
  method: 'GET',
  path: '/healthz',
  handler: async (_req, res) => {
    try {
      await withTimeout(handle.ping(), 2000);
      sendJson(res, 200, { status: 'ok', database: 'up' });
    } catch {
      sendJson(res, 503, { status: 'unavailable', database: 'down' });
    }
  },
});
