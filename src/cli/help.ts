/** `tokendesk help [command]`, generated from the command table and the settings table. */
import { SETTINGS } from '../config.ts';
import { UsageError } from './args.ts';
import type { Command } from './command.ts';

/** The settings that matter to the CLI, described from src/config.ts so help never drifts. */
const CLI_SETTINGS = [
  'databaseUrl',
  'tokenDefaultDays',
  'tokenMaxDays',
  'tokenPepper',
  'argon2MemoryKib',
  'argon2Iterations',
  'argon2Parallelism',
  'adminEmails',
] as const satisfies readonly (keyof typeof SETTINGS)[];

export const synopsisOf = (command: Command): string => {
  if (command.synopsis !== undefined) return command.synopsis;
  const parts = (command.positionals ?? []).map((p) => p.name);
  for (const [name, spec] of Object.entries(command.options ?? {})) {
    const text = spec.type === 'string' ? `--${name} ${spec.value ?? 'VALUE'}` : `--${name}`;
    parts.push(spec.required ? text : `[${text}]`);
  }
  return parts.join(' ');
};

const usageLine = (command: Command) => `tokendesk ${command.name} ${synopsisOf(command)}`.trimEnd();

const listing = (commands: readonly Command[]): string[] =>
  commands.flatMap((c) => [`  ${usageLine(c)}`, `      ${c.summary}`]);

export const generalHelp = (commands: readonly Command[]): string => {
  const env = CLI_SETTINGS.map((key) => {
    const s = SETTINGS[key];
    const def = s.default === undefined || s.default === '' ? '' : ` (default ${s.default})`;
    return `  ${s.env}${def}\n      ${s.doc.replace(/`/g, '')}`;
  });
  return [
    'tokendesk: administer Tokendesk API tokens from a shell. Acts as the built-in operator',
    '(audited as "operator:cli"); migrates the database before every command.',
    '',
    'Usage: tokendesk <command> [options]',
    '',
    'Commands:',
    ...listing(commands),
    '  tokendesk help [command]',
    '      Show this help, or the options of one command (also: tokendesk <command> --help)',
    '',
    'Environment:',
    ...env,
    '',
    'Exit codes:',
    '  0   done (or nothing to change)',
    '  1   refused or not found: unknown user or token, last admin, token not active…',
    '  2   bad usage or bad configuration',
    '  70  internal error',
    '',
  ].join('\n');
};

export const commandHelp = (command: Command): string => {
  const options = Object.entries(command.options ?? {}).map(([name, spec]) => {
    const flag = spec.type === 'string' ? `--${name} ${spec.value ?? 'VALUE'}` : `--${name}`;
    return [flag, `${spec.description}${spec.required ? ' (required)' : ''}`] as const;
  });
  const positionals = (command.positionals ?? []).map((p) => [p.name, p.description] as const);
  const rows = [...positionals, ...options, ['-h, --help', 'show this help'] as const];
  const width = Math.max(...rows.map(([left]) => left.length));
  return [
    `Usage: ${usageLine(command)}`,
    '',
    `${command.summary}.`,
    '',
    ...rows.map(([left, right]) => `  ${left.padEnd(width)}  ${right}`),
    '',
  ].join('\n');
};

/** Help for `[]`, a command name (`tokens create`) or a group (`tokens`). */
export const helpFor = (topic: readonly string[], commands: readonly Command[]): string => {
  if (topic.length === 0) return generalHelp(commands);
  const name = topic.join(' ');
  const exact = commands.find((c) => c.name === name);
  if (exact) return commandHelp(exact);
  const group = commands.filter((c) => c.name.startsWith(`${name} `));
  if (group.length > 0) {
    return [`Usage: tokendesk ${name} <subcommand> [options]`, '', ...listing(group), ''].join('\n');
  }
  throw new UsageError(`no command "${name.slice(0, 40)}"`);
};
