import type { IncomingMessage } from 'node:http';

/** The largest request body any route accepts (Slack's own limit for its requests). */
export const MAX_BODY_BYTES = 1024 * 1024;

/**
 * Reads a request body of at most `limit` bytes. Past the limit nothing more is buffered
 * and it resolves to `'too_large'`; the caller answers 413 with `connection: close`.
 */
export const readLimitedBody = (
  req: IncomingMessage,
  limit = MAX_BODY_BYTES,
): Promise<Buffer | 'too_large'> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.off('data', onData);
        chunks.length = 0;
        resolve('too_large');
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
