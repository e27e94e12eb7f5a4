/**
 * The command table. `main.ts` finds commands here by name (one or two words), `help`
 * lists them in this order. To add a command group, write `src/cli/<group>.ts` exporting
 * a `Command[]` and spread it below; nothing else needs to change.
 */
import { adminsCommands } from './admins.ts';
import { auditCommands } from './audit.ts';
import type { Command } from './command.ts';
import { migrateCommands } from './migrate.ts';
import { remindersCommands } from './reminders.ts';
import { tokensCommands } from './tokens.ts';
import { usersCommands } from './users.ts';

export const COMMANDS: readonly Command[] = [
  ...migrateCommands,
  ...usersCommands,
  ...adminsCommands,
  ...tokensCommands,
  ...auditCommands,
  ...remindersCommands,
];
