/**
 * A real Tokendesk instance for the verification API tests: the composition root on a
 * real port over a real database, with a Slack fake behind it (Bolt needs one), a manual
 * clock, and every log line captured. Unlike the Slack harness it takes a hasher (to
 * count argon2 runs) and the verification knobs.
 */
import { createTokendesk, type Tokendesk, type TokendeskOptions } from '../../src/app.ts';
import type { DatabaseHandle } from '../../src/db/client.ts';
import { ManualClock } from '../../src/shared/clock.ts';
import { createLogger } from '../../src/shared/logger.ts';
import type { TokenHasher } from '../../src/tokens/token-hashing.ts';
import { testConfig } from '../support/services.ts';
import { type SlackFake, startSlackFake } from '../support/slack-fake.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export const INTROSPECTION_SECRET = 'introspection-secret-0123456789abcdef';
const SIGNING_SECRET = 'test-signing-secret-0123456789abcdef';

export interface ApiInstance {
  app: Tokendesk;
  services: Tokendesk['services'];
  clock: ManualClock;
  logs: string[];
  baseUrl: string;
  fetch(path: string, init?: RequestInit): Promise<Response>;
  whoami(authorization?: string): Promise<Response>;
  introspect(
    body: string | Record<string, unknown>,
    options?: { secret?: string | null; contentType?: string },
  ): Promise<Response>;
  close(): Promise<void>;
}

export interface ApiInstanceOptions {
  handle: DatabaseHandle;
  env?: Record<string, string>;
  clock?: ManualClock;
  hasher?: TokenHasher;
  fake?: SlackFake;
  verification?: TokendeskOptions['verification'];
}

export const startApiInstance = async (options: ApiInstanceOptions): Promise<ApiInstance> => {
  const fake = options.fake ?? (await startSlackFake());
  const clock = options.clock ?? new ManualClock(new Date());
  const logs: string[] = [];
  const config = testConfig({
    SLACK_BOT_TOKEN: fake.botToken,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: fake.url,
    REMINDER_INTERVAL_SECONDS: '0',
    INTROSPECTION_SECRET,
    ...options.env,
  });
  // No secret list: the scrubber's own patterns are all that stands between a token and the logs.
  const logger = createLogger({ level: 'debug', sink: (line) => logs.push(line) });
  const app = await createTokendesk({
    config,
    handle: options.handle,
    logger,
    clock,
    ...(options.hasher ? { hasher: options.hasher } : {}),
    ...(options.verification ? { verification: options.verification } : {}),
  });
  const port = await app.start(0);
  const baseUrl = `http://127.0.0.1:${port}`;
  const call = (path: string, init?: RequestInit) => fetch(`${baseUrl}${path}`, init);
  return {
    app,
    services: app.services,
    clock,
    logs,
    baseUrl,
    fetch: call,
    whoami: (authorization) =>
      call('/api/v1/whoami', authorization === undefined ? {} : { headers: { authorization } }),
    introspect: (body, opts = {}) => {
      const secret = opts.secret === undefined ? INTROSPECTION_SECRET : opts.secret;
      const form = typeof body === 'string';
      return call('/api/v1/introspect', {
        method: 'POST',
        headers: {
          'content-type':
            opts.contentType ?? (form ? 'application/x-www-form-urlencoded' : 'application/json'),
          ...(secret === null ? {} : { authorization: `Bearer ${secret}` }),
        },
        body: form ? body : JSON.stringify(body),
      });
    },
    close: async () => {
      await app.stop();
      if (!options.fake) {
        // Bolt's App fires auth.test without awaiting it; closing the fake before it lands
        // would leave Bolt an unhandled rejection.
        for (let i = 0; i < 200 && fake.callsTo('auth.test').length === 0; i++) await sleep(10);
        await sleep(20);
        await fake.close();
      }
    },
  };
};

/** Everything a response exposes (status line aside): headers and body. */
export const exposedText = async (res: Response): Promise<string> =>
  `${JSON.stringify([...res.headers.entries()])}\n${await res.text()}`;
