/**
 * The load generator in a process of its own, so that it never shares a core's event loop
 * with the server it measures, or with the runner. Reads one LoadJob (JSON) from argv,
 * runs it, prints the LoadResult as one JSON line.
 */
import { signRequest, slashCommandBody } from '../test/support/slack-requests.ts';
import { type LoadResult, runLoad, runOpenLoop, runRawGet } from './load.ts';

export type LoadJob =
  | {
      kind: 'get';
      url: string;
      headers?: Record<string, string>;
      concurrency: number;
      durationMs: number;
      warmupMs: number;
    }
  | {
      kind: 'command';
      url: string;
      signingSecret: string;
      userId: string;
      teamId: string;
      responseUrl: string;
      concurrency: number;
      /** When set, an open loop at this rate instead of `concurrency` closed-loop workers. */
      ratePerSecond?: number;
      durationMs: number;
      warmupMs: number;
    };

const job = JSON.parse(process.argv[2] ?? '{}') as LoadJob;
let result: LoadResult;
if (job.kind === 'get') {
  result = await runRawGet({
    url: job.url,
    ...(job.headers ? { headers: job.headers } : {}),
    concurrency: job.concurrency,
    durationMs: job.durationMs,
    warmupMs: job.warmupMs,
    expectStatus: 200,
  });
} else {
  const build = () => {
    const body = slashCommandBody({
      text: 'help',
      userId: job.userId,
      teamId: job.teamId,
      channelId: 'C0BENCH001',
      triggerId: 'bench.trigger',
      responseUrl: job.responseUrl,
    });
    return { headers: signRequest(job.signingSecret, body), body };
  };
  const common = {
    url: job.url,
    method: 'POST' as const,
    build,
    durationMs: job.durationMs,
    warmupMs: job.warmupMs,
  };
  result = job.ratePerSecond
    ? await runOpenLoop({ ...common, ratePerSecond: job.ratePerSecond, expectStatus: 200 })
    : await runLoad({ ...common, concurrency: job.concurrency, expectStatus: 200 });
}
process.stdout.write(`${JSON.stringify(result)}\n`);
process.exit(0);
