import { helpMessage } from '../../views/help.ts';
import type { CommandHandler } from './context.ts';

export const helpCommand: CommandHandler<'help'> = async ({ deps, respond, who }) => {
  await respond({
    response_type: 'ephemeral',
    ...helpMessage(deps.config.slashCommand, who.user.role === 'admin'),
  });
};
