/**
 * A small closed-loop load generator: `concurrency` workers each send a request, wait for
 * the answer, and send the next, until the time is up. Keep-alive connections, node:http
 * (lighter than fetch, so the client costs less CPU than the server it measures).
 */
import { Agent, request } from 'node:http';

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
  latencies.sort((a, b) => a - b);
  return {
    requests: latencies.length,
    errors,
    rps: latencies.length / (elapsed / 1000),
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
  };
};
