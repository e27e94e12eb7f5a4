import type { CommandHandler } from './context.ts';

// Placeholder until this subcommand is built.
export const auditCommand: CommandHandler<'audit'> = async ({ respond }) => {
  await respond({ response_type: 'ephemeral', text: 'Not built yet.' });
};
