import type { KnownBlock } from '@slack/types';

/** The ephemeral help text; `reason` says what was wrong with the input, when something was. */
export const helpMessage = (
  command: string,
  isAdmin: boolean,
  reason?: string,
): { text: string; blocks: KnownBlock[] } => {
  // Owners may revoke their own tokens (the use-case allows it); only admins act for others.
  const lines = [
    `\`${command} list\` — your own API tokens, each active one with a Revoke button`,
    ...(isAdmin
      ? [
          `\`${command} generate [@person]\` — create a token (shown to you once)`,
          `\`${command} list @person\` — someone's tokens`,
          `\`${command} revoke <token id>\` — revoke any token, yours or anyone's (asks for confirmation)`,
          `\`${command} users\` — people and their active tokens`,
          `\`${command} admins [grant|revoke @person]\` — who can administer tokens`,
          `\`${command} audit [@person]\` — recent activity`,
        ]
      : [
          `\`${command} revoke <token id>\` — revoke one of your own tokens (asks for confirmation)`,
          "Only admins create tokens or act on other people's; ask one if you need a new token.",
        ]),
    `\`${command} help\` — this message`,
  ];
  const text = `${reason ? `${reason}\n\n` : ''}*Tokendesk* manages API tokens for our product.\n${lines.join('\n')}`;
  return { text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] };
};
