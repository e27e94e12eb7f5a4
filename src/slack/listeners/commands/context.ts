import type { RespondFn, SlashCommand } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import type { Command } from '../../command-text.ts';
import type { SlackDeps } from '../../deps.ts';
import type { Identified } from '../../identity.ts';

/** Everything a subcommand handler needs; the command has already been acked. */
export interface CommandContext<K extends Command['kind'] = Command['kind']> {
  deps: SlackDeps;
  client: WebClient;
  command: SlashCommand;
  parsed: Extract<Command, { kind: K }>;
  who: Extract<Identified, { ok: true }>;
  /** Replies through the command's response_url: ephemeral, and works in channels the bot is not in. */
  respond: RespondFn;
}

export type CommandHandler<K extends Command['kind']> = (ctx: CommandContext<K>) => Promise<void>;
