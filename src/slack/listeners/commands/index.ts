/**
 * `/apitoken <subcommand>`: ack at once, then identify the sender, then dispatch.
 * `generate` is the exception: its modal must open within the trigger's three seconds,
 * so it opens first and identifies afterwards (generate.ts).
 * Every subcommand but `help` and `list` (own tokens) needs an admin; the use-cases
 * enforce that again, and refusals are audited there.
 */
import type { App } from '@slack/bolt';
import { type Command, parseCommandText } from '../../command-text.ts';
import type { SlackDeps } from '../../deps.ts';
import { errorText, isExpected } from '../../error-text.ts';
import { identify } from '../../identity.ts';
import { helpMessage } from '../../views/help.ts';
import { adminsCommand } from './admins.ts';
import { auditCommand } from './audit.ts';
import type { CommandContext, CommandHandler } from './context.ts';
import { generateCommand } from './generate.ts';
import { helpCommand } from './help.ts';
import { listCommand } from './list.ts';
import { revokeCommand } from './revoke.ts';
import { usersCommand } from './users.ts';

type Handlers = { [K in Exclude<Command['kind'], 'invalid' | 'generate'>]: CommandHandler<K> };

export const COMMAND_HANDLERS: Handlers = {
  help: helpCommand,
  list: listCommand,
  revoke: revokeCommand,
  users: usersCommand,
  admins: adminsCommand,
  audit: auditCommand,
};

export const registerCommands = (app: App, deps: SlackDeps): void => {
  app.command(deps.config.slashCommand, async ({ ack, command, client, respond, body }) => {
    await ack();
    const parsed = parseCommandText(command.text ?? '');
    try {
      if (parsed.kind === 'generate') {
        const raw = body as unknown as Record<string, unknown>;
        await generateCommand({ deps, client, command, body: raw, slackUserId: parsed.slackUserId, respond });
        return;
      }
      const who = await identify(body as unknown as Record<string, unknown>, client, deps.services.users);
      if (!who.ok) {
        await respond({ response_type: 'ephemeral', text: who.message });
        return;
      }
      if (parsed.kind === 'invalid') {
        await respond({
          response_type: 'ephemeral',
          ...helpMessage(deps.config.slashCommand, who.user.role === 'admin', parsed.reason),
        });
        return;
      }
      const handler = COMMAND_HANDLERS[parsed.kind] as CommandHandler<typeof parsed.kind>;
      const ctx = { deps, client, command, parsed, who, respond } as CommandContext<typeof parsed.kind>;
      await handler(ctx);
    } catch (error) {
      if (!isExpected(error)) deps.logger.error('slash command failed', { subcommand: parsed.kind }, error);
      await respond({ response_type: 'ephemeral', text: errorText(error) }).catch((e: unknown) =>
        deps.logger.warn('could not tell the user about a failure', e),
      );
    }
  });
};
