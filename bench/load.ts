/**
 * A small closed-loop load generator: `concurrency` workers each send a request, wait for
 * the answer, and send the next, until the time is up. Keep-alive connections, node:http
 * (lighter than fetch, so the client costs less CPU than the server it measures).
 */
import { Agent, request } from 'node:http';
import { connect, type Socket } from 'node:net';

export interface LoadSpec {
  url: string;
  method?: 'GET' | 'POST';
  /** Called per request, so bodies and signatures can be fresh. */
  build?: () => { headers?: Record<string, string>; body?: string };
  concurrency: number;
  durationMs: number;
  warmupMs?: number;
  expectStatus?: number;
}

export interface LoadResult {
  requests: number;
  errors: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
}

const once = (agent: Agent, url: URL, method: string, headers: Record<string, string>, body?: string) =>
  new Promise<number>((resolve, reject) => {
    const req = request(
      { agent, hostname: url.hostname, port: url.port, path: url.pathname + url.search, method, headers },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    if (body !== undefined) req.end(body);
    else req.end();
  });

export const percentile = (sorted: number[], p: number): number =>
  sorted.length === 0
    ? Number.NaN
    : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

/** The result of one measured phase: latencies in any order, errors, and how long it took. */
const summarize = (latencies: number[], errors: number, elapsedMs: number): LoadResult => {
  latencies.sort((a, b) => a - b);
  return {
    requests: latencies.length,
    errors,
    rps: latencies.length / (elapsedMs / 1000),
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
  };
};

export const runLoad = async (spec: LoadSpec): Promise<LoadResult> => {
  const url = new URL(spec.url);
  const agent = new Agent({ keepAlive: true, maxSockets: spec.concurrency });
  const latencies: number[] = [];
  let errors = 0;
  const phase = async (ms: number, record: boolean) => {
    const end = performance.now() + ms;
    const worker = async () => {
      while (performance.now() < end) {
        const { headers = {}, body } = spec.build?.() ?? {};
        if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));
        const t0 = performance.now();
        try {
          const status = await once(agent, url, spec.method ?? 'GET', headers, body);
          if (spec.expectStatus !== undefined && status !== spec.expectStatus) errors++;
        } catch {
          errors++;
        }
        if (record) latencies.push(performance.now() - t0);
      }
    };
    const started = performance.now();
    await Promise.all(Array.from({ length: spec.concurrency }, worker));
    return performance.now() - started;
  };
  if (spec.warmupMs) await phase(spec.warmupMs, false);
  errors = 0;
  const elapsed = await phase(spec.durationMs, true);
  agent.destroy();
  return summarize(latencies, errors, elapsed);
};

export interface OpenLoopSpec {
  url: string;
  method?: 'GET' | 'POST';
  build?: () => { headers?: Record<string, string>; body?: string };
  /** Requests per second, sent on schedule whether or not earlier ones were answered. */
  ratePerSecond: number;
  durationMs: number;
  warmupMs?: number;
  expectStatus?: number;
}

/**
 * An open loop: requests leave at a fixed rate, answered or not, and each latency is measured
 * from when the request was due (so a stalled server is not excused by sending less). Below
 * saturation this is the latency a client sees; a closed loop at high concurrency measures
 * throughput instead, since each worker waits for its answer before asking again.
 */
export const runOpenLoop = async (spec: OpenLoopSpec): Promise<LoadResult> => {
  const url = new URL(spec.url);
  const agent = new Agent({ keepAlive: true });
  const intervalMs = 1000 / spec.ratePerSecond;
  const phase = async (ms: number) => {
    const latencies: number[] = [];
    let errors = 0;
    const inFlight: Promise<void>[] = [];
    const started = performance.now();
    for (let i = 0; ; i++) {
      const due = started + i * intervalMs;
      if (due - started >= ms) break;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      const { headers = {}, body } = spec.build?.() ?? {};
      if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));
      inFlight.push(
        once(agent, url, spec.method ?? 'GET', headers, body).then(
          (status) => {
            if (spec.expectStatus !== undefined && status !== spec.expectStatus) errors++;
            latencies.push(performance.now() - due);
          },
          () => {
            errors++;
          },
        ),
      );
    }
    await Promise.all(inFlight);
    return { latencies, errors, elapsed: performance.now() - started };
  };
  if (spec.warmupMs) await phase(spec.warmupMs);
  const { latencies, errors, elapsed } = await phase(spec.durationMs);
  agent.destroy();
  return summarize(latencies, errors, elapsed);
};

/**
 * A closed loop for GET requests over raw keep-alive sockets: each request is bytes written
 * once, each answer is found by its Content-Length. Several times cheaper per request than
 * node:http's client, so that on a small machine the server, not the load generator, is
 * what runs out of CPU first. Only for servers that answer with a Content-Length.
 */
export const runRawGet = async (spec: {
  url: string;
  headers?: Record<string, string>;
  concurrency: number;
  durationMs: number;
  warmupMs?: number;
  expectStatus?: number;
}): Promise<LoadResult> => {
  const url = new URL(spec.url);
  const head = Object.entries({ host: url.host, ...spec.headers })
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('');
  const requestBytes = Buffer.from(`GET ${url.pathname}${url.search} HTTP/1.1\r\n${head}\r\n`);
  const sockets: Socket[] = await Promise.all(
    Array.from(
      { length: spec.concurrency },
      () =>
        new Promise<Socket>((resolve, reject) => {
          const socket = connect(Number(url.port), url.hostname, () => resolve(socket));
          socket.setNoDelay(true);
          socket.once('error', reject);
        }),
    ),
  );
  const phase = (ms: number, record: boolean) =>
    new Promise<{ latencies: number[]; errors: number; elapsed: number }>((resolve) => {
      const latencies: number[] = [];
      let errors = 0;
      const started = performance.now();
      const end = started + ms;
      let running = sockets.length;
      for (const socket of sockets) {
        let buffer: Buffer = Buffer.alloc(0);
        let sentAt = 0;
        const send = () => {
          sentAt = performance.now();
          socket.write(requestBytes);
        };
        const onData = (chunk: Buffer) => {
          buffer = buffer.length === 0 ? chunk : Buffer.concat([buffer, chunk]);
          for (;;) {
            const headerEnd = buffer.indexOf('\r\n\r\n');
            if (headerEnd < 0) return;
            const header = buffer.subarray(0, headerEnd).toString('latin1');
            const length = Number(/\r\ncontent-length:\s*(\d+)/i.exec(header)?.[1] ?? 'NaN');
            if (!Number.isFinite(length)) throw new Error('raw load: an answer without Content-Length');
            if (buffer.length < headerEnd + 4 + length) return;
            const status = Number(header.slice(9, 12));
            buffer = buffer.subarray(headerEnd + 4 + length);
            if (spec.expectStatus !== undefined && status !== spec.expectStatus) errors++;
            if (record) latencies.push(performance.now() - sentAt);
            if (performance.now() < end) send();
            else {
              socket.off('data', onData);
              running -= 1;
              if (running === 0) resolve({ latencies, errors, elapsed: performance.now() - started });
              return;
            }
          }
        };
        socket.on('data', onData);
        send();
      }
    });
  if (spec.warmupMs) await phase(spec.warmupMs, false);
  const { latencies, errors, elapsed } = await phase(spec.durationMs, true);
  for (const socket of sockets) socket.destroy();
  return summarize(latencies, errors, elapsed);
};
