/**
 * A small leveled logger that writes one JSON object per line and scrubs secrets.
 * It implements Bolt's Logger interface so that Bolt's own debug output passes the
 * same scrubber: tokens (`tdk_…`), Slack credentials and any registered secret value
 * are replaced before a line is written, whatever the level.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/**
 * Secrets by shape. Each also matches the forms a secret takes inside what libraries log:
 * JSON (`\u005f` for `_`, escaped once or twice), and URL-encoded form bodies (`%5F`, `%2D`, `%3D`).
 */
const UNDERSCORE = String.raw`(?:_|%5[fF]|\\*u005[fF])`;
const DASH = String.raw`(?:-|%2[dD]|\\*u002[dD])`;
const EQUALS = String.raw`(?:=|%3[dD]|\\*u003[dD])`;
const SECRET_PATTERNS: RegExp[] = [
  new RegExp(`tdk${UNDERSCORE}(?:[A-Za-z0-9]|${UNDERSCORE}){8,}`, 'g'),
  new RegExp(`xox[abposr]${DASH}(?:[A-Za-z0-9]|${DASH})+`, 'g'),
  new RegExp(`xapp${DASH}(?:[A-Za-z0-9]|${DASH})+`, 'g'),
  new RegExp(`v0${EQUALS}[a-f0-9]{64}`, 'g'),
  // The single-use ticket in a Socket Mode URL (apps.connections.open, logged by web-api at debug).
  new RegExp(`ticket${EQUALS}[A-Za-z0-9-]{8,}`, 'g'),
];

const jsonEscaped = (text: string) => JSON.stringify(text).slice(1, -1);

/** A literal secret as it appears raw, JSON-escaped (once or twice) and URL-encoded. */
const encodingsOf = (secret: string): string[] => {
  const percent = encodeURIComponent(secret);
  return [
    ...new Set([
      secret,
      jsonEscaped(secret),
      jsonEscaped(jsonEscaped(secret)),
      percent,
      percent.replace(/%[0-9A-F]{2}/g, (hex) => hex.toLowerCase()),
      new URLSearchParams({ s: secret }).toString().slice(2),
    ]),
  ];
};

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
    if (secret.length < 6) continue;
    for (const form of encodingsOf(secret)) out = out.split(form).join('[REDACTED]');
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
    // Scrubbed before and after the line's own JSON encoding, which escapes the text once more.
    const scrubbed = redact(text, secrets);
    const line = JSON.stringify({ t: new Date().toISOString(), level, name: state.name, msg: scrubbed });
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
