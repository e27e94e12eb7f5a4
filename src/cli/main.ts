/**
 * The `tokendesk` CLI. `runCli` does everything and returns the exit code, so tests run
 * it in-process; the entry at the bottom wires it to the real process (for
 * `tsx src/cli/main.ts`, i.e. `npm run cli`, and for bin/tokendesk.mjs).
 *
 * Order of work: find the command and parse its arguments (usage errors never touch the
 * database), parse the configuration, open and migrate the database, build the services,
 * run the command as the built-in operator, close the database. Errors are turned into
 * exit codes and one-line messages here and nowhere else.
 */
import { existsSync, realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type Config, parseConfig, secretValues } from '../config.ts';
import { type DatabaseHandle, describeDatabaseUrl, openDatabase } from '../db/client.ts';
import { migrateDatabase } from '../db/migrate.ts';
import { createServices } from '../services.ts';
import type { Clock } from '../shared/clock.ts';
import { type ErrorCode, isAppError } from '../shared/errors.ts';
import { redact } from '../shared/logger.ts';
import type { RandomSource } from '../shared/random.ts';
import { parseCommandArgs, resolveCommand, UsageError } from './args.ts';
import { type CliIo, type Command, type CommandContext, CommandFailed, EXIT } from './command.ts';
import { COMMANDS } from './commands.ts';
import { helpFor } from './help.ts';
import { appliedMigrations } from './migrate.ts';

export type { CliIo } from './command.ts';

export interface CliDeps {
  /** Opens the database named by DATABASE_URL (tests hand in their shared database). */
  openDatabase?: (url: string) => Promise<DatabaseHandle>;
  clock?: Clock;
  random?: RandomSource;
  commands?: readonly Command[];
}

/** Domain errors that mean "what you typed is not acceptable": exit 2 like any usage error. */
const INPUT_ERRORS: ReadonlySet<ErrorCode> = new Set([
  'users.invalid_email',
  'tokens.invalid_name',
  'tokens.invalid_expiry',
]);

/** Opening or migrating the database failed: the environment, not the command, is at fault. */
class DatabaseUnavailable extends Error {
  constructor(where: string, cause: unknown) {
    super(`cannot use the database ${where}: ${cause instanceof Error ? cause.message : String(cause)}`);
    this.name = 'DatabaseUnavailable';
  }
}

const passwordOf = (url: string): string[] => {
  if (url.startsWith('pglite:')) return [];
  try {
    const password = decodeURIComponent(new URL(url).password);
    return password ? [password] : [];
  } catch {
    return [];
  }
};

/** The message, and its cause's (drizzle wraps driver errors as "Failed query: …"), bounded. */
const describeUnexpected = (error: unknown): string => {
  if (!(error instanceof Error)) return String(error).slice(0, 1000);
  const cause = error.cause instanceof Error ? error.cause.message : undefined;
  const text = cause && !error.message.includes(cause) ? `${cause} (${error.message})` : error.message;
  return text.length > 1000 ? `${text.slice(0, 999)}…` : text;
};

const hintFor = (command: string | undefined) => `run \`tokendesk help${command ? ` ${command}` : ''}\``;

export const runCli = async (argv: readonly string[], io: CliIo, deps: CliDeps = {}): Promise<number> => {
  const commands = deps.commands ?? COMMANDS;
  let secrets: string[] = [];
  let commandName: string | undefined;
  const line = (text: string) => redact(text.replace(/\s*\n\s*/g, ' '), secrets);
  const say = (text: string) => io.stderr.write(`tokendesk: ${line(text)}\n`);

  try {
    const resolved = resolveCommand(argv, commands);
    if (resolved.kind === 'help') {
      io.stdout.write(helpFor(resolved.topic, commands));
      return EXIT.ok;
    }
    const { command } = resolved;
    commandName = command.name;
    const { help, args } = parseCommandArgs(command, resolved.rest);
    if (help) {
      io.stdout.write(helpFor(command.name.split(' '), commands));
      return EXIT.ok;
    }

    const config: Config = parseConfig({ env: io.env });
    secrets = [...secretValues(config), ...passwordOf(config.databaseUrl)];
    const where = describeDatabaseUrl(config.databaseUrl);

    let handle: DatabaseHandle;
    try {
      handle = await (deps.openDatabase ?? openDatabase)(config.databaseUrl);
    } catch (error) {
      throw new DatabaseUnavailable(where, error);
    }
    try {
      let migrations: CommandContext['migrations'];
      try {
        const before = await appliedMigrations(handle);
        await migrateDatabase(handle);
        migrations = { before, after: await appliedMigrations(handle) };
      } catch (error) {
        throw new DatabaseUnavailable(where, error);
      }
      const services = createServices({
        db: handle.db,
        config,
        ...(deps.clock ? { clock: deps.clock } : {}),
        ...(deps.random ? { random: deps.random } : {}),
      });
      const ctx: CommandContext = {
        io,
        config,
        handle,
        services,
        migrations,
        out: (text) => io.stdout.write(`${text}\n`),
        note: (text) => io.stderr.write(`${line(text)}\n`),
      };
      return (await command.run(ctx, args)) ?? EXIT.ok;
    } finally {
      await handle.close().catch(() => {});
    }
  } catch (error) {
    if (error instanceof UsageError) {
      say(`${error.message} (${hintFor(error.command ?? commandName)})`);
      return EXIT.usage;
    }
    if (isAppError(error, 'config.invalid')) {
      say(error.message);
      return EXIT.usage;
    }
    if (isAppError(error) && INPUT_ERRORS.has(error.code)) {
      say(`${error.message} (${hintFor(commandName)})`);
      return EXIT.usage;
    }
    if (isAppError(error) && error.code !== 'db.unavailable') {
      say(error.message);
      return EXIT.no;
    }
    if (error instanceof CommandFailed) {
      say(error.message);
      return EXIT.no;
    }
    if (error instanceof DatabaseUnavailable || isAppError(error)) {
      say(error.message);
      return EXIT.internal;
    }
    say(`internal error: ${describeUnexpected(error)}`);
    return EXIT.internal;
  }
};

/** The process entry: real stdio and environment, exit code on the way out. */
export const main = async (): Promise<void> => {
  // Like the app, read a local .env (see .env.example) when present; real environment variables win.
  if (existsSync('.env')) process.loadEnvFile('.env');
  // `tokendesk tokens list | head` closes the pipe early; that is not an error worth a stack trace.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE') process.exit(process.exitCode ?? EXIT.ok);
      throw error;
    });
  }
  const code = await runCli(process.argv.slice(2), {
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
  });
  process.exitCode = code;
  // Everything is closed by now; should a stray handle keep the loop alive, do not hang.
  setTimeout(() => process.exit(code), 3000).unref();
};

const isEntryPoint = (): boolean => {
  try {
    return realpathSync(process.argv[1] ?? '') === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
};

if (isEntryPoint()) await main();
