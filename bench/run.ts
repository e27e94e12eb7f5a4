/**
 * `npm run bench`: measures against a baseline started in the same run, on embedded
 * PGlite and (when reachable) on PostgreSQL, prints a table and writes JSON to
 * bench/results/. Ratios, not absolute numbers, are what to compare across machines.
 *
 *   (a) cached GET /api/v1/whoami req/s at concurrency 32 ÷ a bare node:http server's
 *   (b) cold verification (checksum + lookup + argon2id) ÷ one argon2.verify alone
 *   (c) slash-command ack latency p50/p99 at concurrency 16 ÷ a Bolt app that only acks
 *   (d) one reminder sweep over 100k active tokens
 *
 * Options (env): BENCH_SECONDS (default 5), BENCH_POSTGRES_URL (default
 * postgres://postgres@127.0.0.1:5432/postgres; "off" skips Postgres).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';
import { signRequest, slashCommandBody } from '../test/support/slack-requests.ts';
import { measureColdVerify } from './cold-verify.ts';
import { runLoad } from './load.ts';
import { measureSweep } from './sweep.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? '5');
const SIGNING_SECRET = 'bench-signing-secret-0123456789';
const PG_ADMIN_URL = process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const TSX = import.meta.resolve('tsx');

interface Started {
  info: Record<string, unknown> & { port: number };
  stop(): Promise<void>;
}

const startServer = (file: string, env: Record<string, string>): Promise<Started> =>
  new Promise((resolve, reject) => {
    const child: ChildProcess = spawn(
      process.execPath,
      ['--import', TSX, fileURLToPath(new URL(file, import.meta.url))],
      {
        env: { ...process.env, BENCH_SIGNING_SECRET: SIGNING_SECRET, ...env },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let buffer = '';
    child.stdout?.on('data', (chunk) => {
      buffer += String(chunk);
      const line = buffer.split('\n')[0];
      if (buffer.includes('\n') && line) {
        resolve({
          info: JSON.parse(line),
          stop: () =>
            new Promise<void>((done) => {
              child.once('exit', () => done());
              child.kill('SIGTERM');
              setTimeout(() => child.kill('SIGKILL'), 5000).unref();
            }),
        });
      }
    });
    child.once('exit', (code) => reject(new Error(`${file} exited early with ${code}`)));
  });

const freshPostgres = async (name: string): Promise<string | undefined> => {
  if (PG_ADMIN_URL === 'off') return undefined;
  const admin = postgres(PG_ADMIN_URL, { max: 1, onnotice: () => {}, connect_timeout: 3 });
  try {
    await admin.unsafe(`drop database if exists "${name}" with (force)`);
    await admin.unsafe(`create database "${name}"`);
  } catch {
    return undefined;
  } finally {
    await admin.end();
  }
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return url.toString();
};

const fmt = (n: number, digits = 2) => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');

const benchEngine = async (engine: 'pglite' | 'postgres') => {
  const dbUrl = engine === 'pglite' ? 'pglite:memory' : await freshPostgres('tokendesk_bench');
  if (!dbUrl) return undefined;
  const ms = SECONDS * 1000;
  const out: Record<string, unknown> = { engine };

  // (a) cached whoami vs bare node:http
  const bare = await startServer('./servers/bare.ts', {});
  const app = await startServer('./servers/tokendesk.ts', { BENCH_DATABASE_URL: dbUrl });
  const token = String(app.info.token);
  const bareLoad = await runLoad({
    url: `http://127.0.0.1:${bare.info.port}/`,
    concurrency: 32,
    durationMs: ms,
    warmupMs: 500,
    expectStatus: 200,
  });
  const whoami = await runLoad({
    url: `http://127.0.0.1:${app.info.port}/api/v1/whoami`,
    build: () => ({ headers: { authorization: `Bearer ${token}` } }),
    concurrency: 32,
    durationMs: ms,
    warmupMs: 1000,
    expectStatus: 200,
  });
  out.a = {
    whoamiRps: whoami.rps,
    whoamiErrors: whoami.errors,
    bareRps: bareLoad.rps,
    ratio: whoami.rps / bareLoad.rps,
  };

  // (c) slash-command ack latency vs a Bolt app that only acks
  const boltOnly = await startServer('./servers/bolt-ack.ts', {});
  const commandLoad = (port: number, path: string) =>
    runLoad({
      url: `http://127.0.0.1:${port}${path}`,
      method: 'POST',
      build: () => {
        const body = slashCommandBody({
          text: 'help',
          userId: String(app.info.slackUserId),
          teamId: String(app.info.teamId),
          channelId: 'C0BENCH001',
          triggerId: 'bench.trigger',
          // The bare server answers 200 to anything: a response_url that always works.
          responseUrl: `http://127.0.0.1:${bare.info.port}/response`,
        });
        return { headers: signRequest(SIGNING_SECRET, body), body };
      },
      concurrency: 16,
      durationMs: ms,
      warmupMs: 1000,
      expectStatus: 200,
    });
  const baseAck = await commandLoad(boltOnly.info.port, '/slack/events');
  const ourAck = await commandLoad(app.info.port, '/slack/events');
  await boltOnly.stop();
  await app.stop();
  await bare.stop();
  out.c = {
    p50Ms: ourAck.p50Ms,
    p99Ms: ourAck.p99Ms,
    baselineP50Ms: baseAck.p50Ms,
    baselineP99Ms: baseAck.p99Ms,
    p99Ratio: ourAck.p99Ms / baseAck.p99Ms,
    errors: ourAck.errors,
  };

  // (b) cold verification vs argon2.verify alone, in this process
  out.b = await measureColdVerify(
    engine === 'pglite' ? 'pglite:memory' : ((await freshPostgres('tokendesk_bench_b')) ?? ''),
  );

  // (d) one reminder sweep over 100k tokens
  out.d = await measureSweep(
    engine === 'pglite' ? 'pglite:memory' : ((await freshPostgres('tokendesk_bench_d')) ?? ''),
  );
  return out;
};

const results = [];
for (const engine of ['pglite', 'postgres'] as const) {
  process.stderr.write(`bench: ${engine}…\n`);
  const r = await benchEngine(engine);
  if (r) results.push(r);
  else process.stderr.write(`bench: ${engine} unavailable, skipped\n`);
}

const rows = results.map((r) => {
  const a = r.a as { whoamiRps: number; bareRps: number; ratio: number };
  const b = r.b as { verifyMs: number; argon2Ms: number; ratio: number };
  const c = r.c as {
    p50Ms: number;
    p99Ms: number;
    baselineP50Ms: number;
    baselineP99Ms: number;
    p99Ratio: number;
  };
  const d = r.d as { sweepMs: number; tokens: number } | undefined;
  return [
    `| ${r.engine} | (a) cached whoami c=32 | ${fmt(a.whoamiRps, 0)} req/s vs bare ${fmt(a.bareRps, 0)} req/s | ratio ${fmt(a.ratio)} (aim ≥ 0.6) |`,
    `| ${r.engine} | (b) cold verify | ${fmt(b.verifyMs)} ms vs argon2.verify ${fmt(b.argon2Ms)} ms | ratio ${fmt(b.ratio)} (aim ≤ 1.3) |`,
    `| ${r.engine} | (c) command ack c=16 | p50 ${fmt(c.p50Ms)} / p99 ${fmt(c.p99Ms)} ms vs ack-only p50 ${fmt(c.baselineP50Ms)} / p99 ${fmt(c.baselineP99Ms)} ms | p99 ratio ${fmt(c.p99Ratio)} (aim ≤ 1.5) |`,
    d
      ? `| ${r.engine} | (d) reminder sweep | ${fmt(d.sweepMs)} ms over ${d.tokens} active tokens | (aim < 200 ms on Postgres) |`
      : `| ${r.engine} | (d) reminder sweep | n/a | |`,
  ].join('\n');
});
process.stdout.write(
  `| engine | measure | result | ratio |\n| --- | --- | --- | --- |\n${rows.join('\n')}\n`,
);
const dir = fileURLToPath(new URL('./results/', import.meta.url));
mkdirSync(dir, { recursive: true });
const file = `${dir}bench-${new Date().toISOString().replace(/[:.]/g, '-')}.json`;
writeFileSync(file, JSON.stringify({ at: new Date().toISOString(), seconds: SECONDS, results }, null, 2));
process.stdout.write(`wrote ${file}\n`);
process.exit(0);
