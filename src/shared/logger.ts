/**
 * A small leveled logger that writes one JSON object per line and scrubs secrets.
 * It implements Bolt's Logger interface so that Bolt's own debug output passes the
 * same scrubber: tokens (`tdk_…`), Slack credentials and any registered secret value
 * are replaced before a line is written, whatever the level.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

const SECRET_PATTERNS: RegExp[] = [
  /tdk_[A-Za-z0-9_]{8,}/g,
  /xox[abposr]-[A-Za-z0-9-]+/g,
  /xapp-[A-Za-z0-9-]+/g,
  /v0=[a-f0-9]{64}/g,
];

export interface Logger {
  debug(...msg: unknown[]): void;
  info(...msg: unknown[]): void;
  warn(...msg: unknown[]): void;
  error(...msg: unknown[]): void;
  setLevel(level: LogLevel): void;
  getLevel(): LogLevel;
  setName(name: string): void;
  child(name: string): Logger;
}

export type LogSink = (line: string) => void;

export interface LoggerOptions {
  level?: LogLevel;
  name?: string;
  sink?: LogSink;
  /** Literal secret values (signing secret, bot token, pepper…) never to be written. */
  secrets?: readonly string[];
}

export const redact = (text: string, secrets: readonly string[] = []): string => {
  let out = text;
  for (const secret of secrets) {
    if (secret.length >= 6) out = out.split(secret).join('[REDACTED]');
  }
  for (const pattern of SECRET_PATTERNS) out = out.replace(pattern, '[REDACTED]');
  return out;
};

const describe = (value: unknown): unknown => {
  if (value instanceof Error) {
    const code = (value as { code?: unknown }).code;
    return { error: value.name, message: value.message, ...(code === undefined ? {} : { code }) };
  }
  return value;
};

export const createLogger = (options: LoggerOptions = {}): Logger => {
  const state = { level: options.level ?? 'info', name: options.name ?? 'tokendesk' };
  const sink = options.sink ?? ((line: string) => process.stderr.write(`${line}\n`));
  const secrets = options.secrets ?? [];

  const write = (level: LogLevel, msg: unknown[]) => {
    if (ORDER[level] < ORDER[state.level]) return;
    const parts = msg.map(describe);
    const text = parts.map((p) => (typeof p === 'string' ? p : safeStringify(p))).join(' ');
    const line = JSON.stringify({ t: new Date().toISOString(), level, name: state.name, msg: text });
    sink(redact(line, secrets));
  };

  const logger: Logger = {
    debug: (...m) => write('debug', m),
    info: (...m) => write('info', m),
    warn: (...m) => write('warn', m),
    error: (...m) => write('error', m),
    setLevel: (level) => {
      state.level = level;
    },
    getLevel: () => state.level,
    setName: (name) => {
      state.name = name;
    },
    child: (name) => createLogger({ level: state.level, name: `${state.name}:${name}`, sink, secrets }),
  };
  return logger;
};

const safeStringify = (value: unknown): string => {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
};
