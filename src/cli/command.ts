/**
 * What a CLI command is and what it gets to work with. Commands live in a table
 * (src/cli/commands.ts); each one declares its options and positionals, and main.ts does
 * the parsing, the database, the services and the translation of errors to exit codes.
 */
import type { Config } from '../config.ts';
import type { DatabaseHandle } from '../db/client.ts';
import type { Services } from '../services.ts';
import type { Args, OptionSpec, PositionalSpec } from './args.ts';

/** Exit codes: one meaning each, documented in `tokendesk help`. */
export const EXIT = {
  ok: 0,
  /** The answer is "no": not found, forbidden, last admin, token not active… */
  no: 1,
  /** The command line (or the configuration) is wrong. */
  usage: 2,
  /** A bug or an unusable environment (EX_SOFTWARE). */
  internal: 70,
} as const;

export interface Output {
  write(chunk: string): unknown;
}

export interface CliIo {
  stdin: AsyncIterable<string | Uint8Array> & { isTTY?: boolean };
  stdout: Output;
  stderr: Output;
  env: Record<string, string | undefined>;
}

export interface CommandContext {
  io: CliIo;
  config: Config;
  handle: DatabaseHandle;
  services: Services;
  /** Migrations recorded before and after the start-up migration (the `migrate` command reports them). */
  migrations: { before: number; after: number };
  /** A line on stdout: the command's result. */
  out(line: string): void;
  /** A line on stderr: notes and metadata around the result. */
  note(line: string): void;
}

export interface Command {
  /** One or two words: `migrate`, `tokens create`. */
  name: string;
  summary: string;
  /** Overrides the synopsis generated from options and positionals. */
  synopsis?: string;
  options?: Record<string, OptionSpec>;
  positionals?: readonly PositionalSpec[];
  /** Said instead of `unexpected argument "…"` when there are too many positionals (never echoing them). */
  unexpectedArgument?: string;
  /** Returns the exit code (0 when omitted). */
  run(ctx: CommandContext, args: Args): Promise<number | undefined> | Promise<void>;
}

/** A domain "no" the command decided itself (the use-cases throw AppError instead); exit 1. */
export class CommandFailed extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CommandFailed';
  }
}
