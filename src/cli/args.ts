/**
 * Argument parsing: finding the command in the table, then `util.parseArgs` (strict) over
 * the rest with the command's own options. Every mistake becomes a UsageError (exit 2)
 * with a one-line reason; nothing here touches the database.
 */
import { parseArgs } from 'node:util';
import type { Command } from './command.ts';

export interface OptionSpec {
  type: 'string' | 'boolean';
  /** Placeholder shown in help, e.g. `E` for `--user E`. */
  value?: string;
  required?: boolean;
  description: string;
}

export interface PositionalSpec {
  name: string;
  description: string;
}

export class UsageError extends Error {
  /** The command whose help the hint points at, when known. */
  readonly command: string | undefined;
  constructor(message: string, command?: string) {
    super(message);
    this.name = 'UsageError';
    this.command = command;
  }
}

/** Typed access to what the parser found. */
export class Args {
  readonly #command: string;
  readonly #values: Record<string, string | boolean | undefined>;
  readonly #positionals: Record<string, string>;

  constructor(
    command: string,
    values: Record<string, string | boolean | undefined>,
    positionals: Record<string, string>,
  ) {
    this.#command = command;
    this.#values = values;
    this.#positionals = positionals;
  }

  string(name: string): string | undefined {
    const value = this.#values[name];
    return typeof value === 'string' ? value : undefined;
  }

  flag(name: string): boolean {
    return this.#values[name] === true;
  }

  /** Declared positionals are all required, so the parser has already checked this one is there. */
  positional(name: string): string {
    const value = this.#positionals[name];
    if (value === undefined) throw this.usageError(`missing ${name}`);
    return value;
  }

  /** A whole number within bounds, or undefined when the option was not given. */
  integer(name: string, min: number, max: number): number | undefined {
    const raw = this.string(name);
    if (raw === undefined) return undefined;
    if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
      throw this.usageError(`--${name} expects a whole number from ${min} to ${max}`);
    }
    return Number(raw);
  }

  usageError(message: string): UsageError {
    return new UsageError(`${this.#command}: ${message}`, this.#command);
  }
}

export type Resolved =
  | { kind: 'help'; topic: string[] }
  | { kind: 'command'; command: Command; rest: string[] };

const isHelpFlag = (arg: string | undefined) => arg === '--help' || arg === '-h';

/** Finds the command named by the leading words of argv (`tokens create …`, `audit …`, `help …`). */
export const resolveCommand = (argv: readonly string[], table: readonly Command[]): Resolved => {
  const [first, second] = argv;
  if (first === undefined || first === 'help' || isHelpFlag(first)) {
    return { kind: 'help', topic: argv.slice(1).filter((a) => !a.startsWith('-')) };
  }
  if (second !== undefined) {
    const two = table.find((c) => c.name === `${first} ${second}`);
    if (two) return { kind: 'command', command: two, rest: argv.slice(2) };
  }
  const one = table.find((c) => c.name === first);
  if (one) return { kind: 'command', command: one, rest: argv.slice(1) };
  const group = table.filter((c) => c.name.startsWith(`${first} `));
  if (group.length > 0) {
    if (isHelpFlag(second)) return { kind: 'help', topic: [first] };
    const choices = group.map((c) => c.name.slice(first.length + 1)).join(', ');
    if (second === undefined || second.startsWith('-')) {
      throw new UsageError(`${first}: missing subcommand (one of ${choices})`, first);
    }
    throw new UsageError(`${first}: unknown subcommand "${clip(second)}" (one of ${choices})`, first);
  }
  if (first.startsWith('-')) throw new UsageError(`unknown option ${clip(first)} before the command`);
  throw new UsageError(`unknown command "${clip(first)}"`);
};

/** Parses a command's arguments; `help: true` when --help/-h was among them. */
export const parseCommandArgs = (
  command: Command,
  rest: readonly string[],
): { help: boolean; args: Args } => {
  const specs = command.options ?? {};
  const declared = command.positionals ?? [];
  const options: Record<string, { type: 'string' | 'boolean'; short?: string }> = {
    help: { type: 'boolean', short: 'h' },
  };
  for (const [name, spec] of Object.entries(specs)) options[name] = { type: spec.type };
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: [...rest], options, strict: true, allowPositionals: true });
  } catch (error) {
    throw new UsageError(`${command.name}: ${describeParseError(error)}`, command.name);
  }
  const values = parsed.values as Record<string, string | boolean | undefined>;
  if (values.help === true) return { help: true, args: new Args(command.name, values, {}) };
  for (const [name, spec] of Object.entries(specs)) {
    if (spec.required && values[name] === undefined) {
      throw new UsageError(
        `${command.name}: missing --${name}${spec.value ? ` ${spec.value}` : ''}`,
        command.name,
      );
    }
    if (spec.type === 'string' && values[name] === '') {
      throw new UsageError(`${command.name}: --${name} must not be empty`, command.name);
    }
  }
  const positionals: Record<string, string> = {};
  for (const [i, spec] of declared.entries()) {
    const value = parsed.positionals[i];
    if (value === undefined) throw new UsageError(`${command.name}: missing ${spec.name}`, command.name);
    positionals[spec.name] = value;
  }
  const extra = parsed.positionals[declared.length];
  if (extra !== undefined) {
    const why = command.unexpectedArgument ?? `unexpected argument "${clip(extra)}"`;
    throw new UsageError(`${command.name}: ${why}`, command.name);
  }
  return { help: false, args: new Args(command.name, values, positionals) };
};

/** parseArgs' messages are several lines long; keep the first clause and the option name. */
const describeParseError = (error: unknown): string => {
  const code = (error as { code?: unknown }).code;
  const message = error instanceof Error ? error.message : String(error);
  const option = /'(-[^' ]+)/.exec(message)?.[1];
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && option) return `unknown option ${clip(option)}`;
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && option) {
    return /does not take an argument/.test(message)
      ? `${option} does not take a value`
      : `${option} needs a value`;
  }
  return (message.split('\n')[0] ?? message).replace(/\.$/, '');
};

const clip = (text: string) => (text.length > 40 ? `${text.slice(0, 40)}…` : text);
