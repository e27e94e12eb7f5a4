import type { CommandHandler } from './context.ts';

// Placeholder until this subcommand is built.
export const revokeCommand: CommandHandler<'revoke'> = async ({ respond }) => {
  await respond({ response_type: 'ephemeral', text: 'Not built yet.' });
};
