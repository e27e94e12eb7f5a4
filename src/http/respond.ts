import type { ServerResponse } from 'node:http';

export const sendJson = (
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void => sendJsonText(res, status, JSON.stringify(body), headers);

/** `sendJson` for a body already serialized (the hot path renders once and reuses it). */
export const sendJsonText = (
  res: ServerResponse,
  status: number,
  text: string,
  headers: Record<string, string> = {},
): void => {
  if (res.headersSent) return;
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(text);
};

export const sendError = (
  res: ServerResponse,
  status: number,
  code: string,
  message: string,
  headers: Record<string, string> = {},
): void => sendJson(res, status, { error: { code, message } }, headers);
