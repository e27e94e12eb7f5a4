import type { KnownBlock } from '@slack/types';

/** The ephemeral help text; `reason` says what was wrong with the input, when something was. */
export const helpMessage = (
  command: string,
  isAdmin: boolean,
  reason?: string,
): { text: string; blocks: KnownBlock[] } => {
  const lines = [
    `\`${command} list\` — your own API tokens`,
    ...(isAdmin
      ? [
          `\`${command} generate [@person]\` — create a token (shown to you once)`,
          `\`${command} list @person\` — someone's tokens`,
          `\`${command} revoke <token id>\` — revoke a token (asks for confirmation)`,
          `\`${command} users\` — people and their active tokens`,
          `\`${command} admins [grant|revoke @person]\` — who can administer tokens`,
          `\`${command} audit [@person]\` — recent activity`,
        ]
      : [`Admins can also generate and revoke tokens; ask one if you need a new token.`]),
    `\`${command} help\` — this message`,
  ];
  const text = `${reason ? `${reason}\n\n` : ''}*Tokendesk* manages API tokens for our product.\n${lines.join('\n')}`;
  return { text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] };
};
