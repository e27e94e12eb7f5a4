/**
 * Every setting Tokendesk reads, in one table: environment name, default, validation and
 * a one-line description (the README's configuration table mirrors it, and a test keeps
 * the two in step). `parseConfig` runs once at start-up; a bad value stops the process
 * with a message naming the variable.
 */
import { AppError } from './shared/errors.ts';
import type { LogLevel } from './shared/logger.ts';

type Env = Record<string, string | undefined>;

interface Setting<T> {
  env: string;
  doc: string;
  default: string | undefined;
  parse: (raw: string, name: string) => T;
  secret?: boolean;
}

const fail = (name: string, why: string): never => {
  throw new AppError('config.invalid', `${name}: ${why}`, { variable: name });
};

const str = (raw: string) => raw;
const int =
  (min: number, max: number) =>
  (raw: string, name: string): number => {
    if (!/^\d+$/.test(raw.trim())) fail(name, `expected a whole number, got "${raw}"`);
    const n = Number(raw);
    if (n < min || n > max) fail(name, `must be between ${min} and ${max}, got ${n}`);
    return n;
  };
const list = (raw: string) =>
  raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
const intList = (raw: string, name: string): number[] => {
  const items = list(raw).map((s) => int(0, 3650)(s, name));
  return [...new Set(items)].sort((a, b) => b - a);
};
const databaseUrl = (raw: string, name: string): string => {
  if (/^postgres(ql)?:\/\//.test(raw) || /^pglite:.+/.test(raw)) return raw;
  return fail(name, 'expected postgres://…, postgresql://…, pglite:<folder> or pglite:memory');
};
const logLevel = (raw: string, name: string): LogLevel => {
  if (raw === 'debug' || raw === 'info' || raw === 'warn' || raw === 'error') return raw;
  return fail(name, `expected debug, info, warn or error, got "${raw}"`);
};
const slashCommand = (raw: string, name: string): string => {
  if (/^\/[a-z0-9_-]{1,31}$/.test(raw)) return raw;
  return fail(name, `expected a slash command such as /apitoken, got "${raw}"`);
};
const slackId = (prefix: string) => (raw: string, name: string) => {
  if (new RegExp(`^${prefix}[A-Z0-9]{2,}$`).test(raw)) return raw;
  return fail(name, `expected a Slack id starting with ${prefix}`);
};
const url = (raw: string, name: string) => {
  try {
    const u = new URL(raw);
    return u.href.endsWith('/') ? u.href : `${u.href}/`;
  } catch {
    return fail(name, `expected a URL, got "${raw}"`);
  }
};

export const SETTINGS = {
  databaseUrl: {
    env: 'DATABASE_URL',
    default: 'pglite:./.data',
    parse: databaseUrl,
    doc: '`postgres://…` for a PostgreSQL server, `pglite:<folder>` or `pglite:memory` for embedded PGlite',
  },
  port: {
    env: 'PORT',
    default: '3000',
    parse: int(0, 65535),
    doc: 'HTTP port for Slack requests, the API and /healthz',
  },
  logLevel: { env: 'LOG_LEVEL', default: 'info', parse: logLevel, doc: 'debug, info, warn or error' },
  slackBotToken: {
    env: 'SLACK_BOT_TOKEN',
    default: undefined,
    parse: str,
    secret: true,
    doc: 'Bot token (`xoxb-…`) from the app\'s "OAuth & Permissions" page; required to run the app',
  },
  slackSigningSecret: {
    env: 'SLACK_SIGNING_SECRET',
    default: undefined,
    parse: str,
    secret: true,
    doc: 'Signing secret from "Basic Information"; required in HTTP mode',
  },
  slackAppToken: {
    env: 'SLACK_APP_TOKEN',
    default: undefined,
    parse: str,
    secret: true,
    doc: 'App-level token (`xapp-…`, scope `connections:write`); when set the app runs in Socket Mode',
  },
  slackApiUrl: {
    env: 'SLACK_API_URL',
    default: undefined,
    parse: url,
    doc: 'Base URL of the Slack Web API (tests and staging point it elsewhere)',
  },
  slashCommand: {
    env: 'SLACK_COMMAND',
    default: '/apitoken',
    parse: slashCommand,
    doc: 'The slash command name',
  },
  adminChannelId: {
    env: 'ADMIN_CHANNEL_ID',
    default: undefined,
    parse: slackId('[CG]'),
    doc: 'Channel for renewal requests, offboarding notices and the audit feed; unset = DM each admin',
  },
  adminEmails: {
    env: 'ADMIN_EMAILS',
    default: '',
    parse: (raw: string) => list(raw).map((e) => e.toLowerCase()),
    doc: 'Comma list of e-mails made admins when first seen',
  },
  adminSlackUserIds: {
    env: 'ADMIN_SLACK_USER_IDS',
    default: '',
    parse: list,
    doc: 'Comma list of Slack user ids made admins when first seen',
  },
  tokenDefaultDays: {
    env: 'TOKEN_DEFAULT_DAYS',
    default: '90',
    parse: int(1, 3650),
    doc: 'Lifetime of a new token when none is given, in days',
  },
  tokenMaxDays: {
    env: 'TOKEN_MAX_DAYS',
    default: '365',
    parse: int(1, 3650),
    doc: 'Longest lifetime a token may be given, in days',
  },
  argon2MemoryKib: {
    env: 'ARGON2_MEMORY_KIB',
    default: '19456',
    parse: int(1024, 4194304),
    doc: 'argon2id memory cost in KiB (OWASP minimum: 19 MiB)',
  },
  argon2Iterations: { env: 'ARGON2_ITERATIONS', default: '2', parse: int(1, 100), doc: 'argon2id time cost' },
  argon2Parallelism: {
    env: 'ARGON2_PARALLELISM',
    default: '1',
    parse: int(1, 64),
    doc: 'argon2id parallelism',
  },
  tokenPepper: {
    env: 'TOKEN_PEPPER',
    default: undefined,
    parse: (raw: string, name: string) =>
      raw.length >= 16 ? raw : fail(name, 'must be at least 16 characters'),
    secret: true,
    doc: 'Optional server-side secret mixed into every hash (argon2 `secret`); changing it invalidates all tokens',
  },
  reminderDays: {
    env: 'REMINDER_DAYS',
    default: '30,7,1',
    parse: intList,
    doc: 'Days before expiry at which the owner gets a DM',
  },
  reminderIntervalSeconds: {
    env: 'REMINDER_INTERVAL_SECONDS',
    default: '300',
    parse: int(0, 86400),
    doc: 'How often each instance sweeps for due reminders; 0 turns the sweeper off',
  },
  reminderLeaseSeconds: {
    env: 'REMINDER_LEASE_SECONDS',
    default: '120',
    parse: int(1, 3600),
    doc: 'How long a claimed reminder stays reserved for the instance delivering it, timed by the database clock; keep it well above one delivery (Slack calls time out after 10 s)',
  },
  reminderMaxAttempts: {
    env: 'REMINDER_MAX_ATTEMPTS',
    default: '12',
    parse: int(1, 1000),
    doc: 'Delivery attempts per reminder before Tokendesk stops retrying and tells the admins instead (12 ≈ 5 hours of backoff)',
  },
  introspectionSecret: {
    env: 'INTROSPECTION_SECRET',
    default: undefined,
    parse: (raw: string, name: string) =>
      raw.length >= 16 ? raw : fail(name, 'must be at least 16 characters'),
    secret: true,
    doc: 'Bearer secret for POST /api/v1/introspect; unset turns the endpoint off',
  },
  trustedProxyHops: {
    env: 'TRUSTED_PROXY_HOPS',
    default: '0',
    parse: int(0, 20),
    doc: 'Proxies (load balancers) in front of Tokendesk that append the client to `X-Forwarded-For`: the client address (last used IP, attempt limits) is taken that many hops from the right; 0 = the TCP peer, the header ignored',
  },
  verifyCacheSeconds: {
    env: 'VERIFY_CACHE_SECONDS',
    default: '60',
    parse: int(0, 3600),
    doc: 'How long a verified token is trusted without argon2 again; 0 disables the cache',
  },
  verifyCacheSize: {
    env: 'VERIFY_CACHE_SIZE',
    default: '10000',
    parse: int(0, 10000000),
    doc: 'Most verified tokens kept in memory',
  },
} satisfies Record<string, Setting<unknown>>;

type Settings = typeof SETTINGS;
type ValueOf<K extends keyof Settings> = ReturnType<Settings[K]['parse']>;
export type Config = {
  [K in keyof Settings]: Settings[K]['default'] extends string ? ValueOf<K> : ValueOf<K> | undefined;
};

/** Parses every setting, collecting all problems so that one start-up shows them all. */
export const parseConfig = ({ env }: { env: Env }): Config => {
  const out: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [key, setting] of Object.entries(SETTINGS) as [string, Setting<unknown>][]) {
    const raw = env[setting.env];
    const value = raw === undefined || raw === '' ? setting.default : raw;
    if (value === undefined) {
      out[key] = undefined;
      continue;
    }
    try {
      out[key] = setting.parse(value, setting.env);
    } catch (error) {
      problems.push(error instanceof Error ? error.message : String(error));
    }
  }
  const config = out as Config;
  if (problems.length === 0 && config.tokenDefaultDays > config.tokenMaxDays) {
    problems.push('TOKEN_DEFAULT_DAYS: must not exceed TOKEN_MAX_DAYS');
  }
  if (problems.length > 0) {
    throw new AppError('config.invalid', `Invalid configuration: ${problems.join('; ')}`, { problems });
  }
  return config;
};

/** The literal secret values in a config, handed to the logger so it never writes them. */
export const secretValues = (config: Config): string[] =>
  (Object.entries(SETTINGS) as [keyof Config, Setting<unknown>][])
    .filter(([, s]) => s.secret)
    .map(([key]) => config[key])
    .filter((v): v is string => typeof v === 'string');
