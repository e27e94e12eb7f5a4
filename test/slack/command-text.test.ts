/** `/apitoken` text → subcommand: every accepted form, and a reason for everything else. */
import { describe, expect, test } from 'vitest';
import { type Command, commandWords, parseCommandText } from '../../src/slack/command-text.ts';
import { formatToken } from '../../src/tokens/token-format.ts';

const U = 'U0OWNER001';

const accepted: Array<[string, Command]> = [
  ['', { kind: 'help' }],
  ['   ', { kind: 'help' }],
  ['help', { kind: 'help' }],
  ['HELP', { kind: 'help' }],
  ['generate', { kind: 'generate' }],
  ['new', { kind: 'generate' }],
  [`generate <@${U}|olive>`, { kind: 'generate', slackUserId: U }],
  [`generate <@${U}>`, { kind: 'generate', slackUserId: U }],
  [`Generate   <@${U}|olive>  `, { kind: 'generate', slackUserId: U }],
  // A label with spaces stays one mention.
  [`generate <@${U}|Olive Owner>`, { kind: 'generate', slackUserId: U }],
  // Enterprise Grid user ids start with W.
  ['list <@W0GRIDUSER1>', { kind: 'list', slackUserId: 'W0GRIDUSER1' }],
  ['list', { kind: 'list' }],
  [`list <@${U}>`, { kind: 'list', slackUserId: U }],
  ['audit', { kind: 'audit' }],
  [`audit <@${U}|olive>`, { kind: 'audit', slackUserId: U }],
  ['users', { kind: 'users' }],
  ['admins', { kind: 'admins' }],
  [`admins grant <@${U}|olive>`, { kind: 'admins', change: { op: 'grant', slackUserId: U } }],
  [`admins REVOKE <@${U}>`, { kind: 'admins', change: { op: 'revoke', slackUserId: U } }],
  ['revoke 3fQ9xK2LmP0a', { kind: 'revoke', tokenId: '3fQ9xK2LmP0a' }],
  ['revoke tdk_3fQ9xK2LmP0a', { kind: 'revoke', tokenId: '3fQ9xK2LmP0a' }],
  // Unicode: no-break and ideographic spaces separate words; zero-width characters vanish;
  // full-width letters (an IME left on) read as ASCII.
  [`generate\u00A0<@${U}>`, { kind: 'generate', slackUserId: U }],
  [`list\u3000<@${U}>`, { kind: 'list', slackUserId: U }],
  ['list\u200B', { kind: 'list' }],
  ['\uFF4C\uFF49\uFF53\uFF54', { kind: 'list' }],
  ['\u2060users', { kind: 'users' }],
];

const refused: Array<[string, RegExp]> = [
  ['generate foo', /`generate` takes nothing or one @mention of a person\. Mention the person with @\./],
  ['list bob', /`list` takes nothing or one @mention.*Mention the person with @/],
  ['list @bob', /Slack’s @ suggestions/],
  ['audit x', /`audit` takes nothing or one @mention/],
  [`generate <@${U}> now`, /There is more after the first word/],
  [`list <@${U}> <@U0OTHER001>`, /There is more after the first word/],
  ['list <mailto:bob@example.com|bob@example.com>', /rather than their e-mail address/],
  ['generate <#C0GENERAL1|general>', /That is a channel/],
  ['generate <!here>', /group mention/],
  ['list <!subteam^S0TEAM0001|@devs>', /group mention/],
  ['generate <@>', /Mention the person with @/],
  ['generate <@u0owner001>', /Mention the person with @/],
  ['users x', /`users` takes no arguments/],
  [`users <@${U}>`, /`users` takes no arguments/],
  ['help me', /`help` takes no arguments/],
  ['admins grant bob', /`admins` takes nothing, or `grant @person`.*Mention the person with @/],
  ['admins grant', /Say whom/],
  ['admins promote <@U0OWNER001>', /`admins` takes nothing, or `grant @person` or `revoke @person`\.$/],
  [`admins grant <@${U}> please`, /There is more after the person/],
  ['admins grant <mailto:a@b.c|a@b.c>', /rather than their e-mail address/],
  ['revoke', /`revoke` takes one token id.*None was given/],
  ['revoke abc', /`revoke` takes one token id.*That is not one/],
  ['revoke 3fQ9xK2LmP0a extra', /There is more after the id/],
  ['revoke tdk_', /That is not one/],
  ['revoke 3fQ9xK2LmP0!', /That is not one/],
  ['frobnicate', /not a Tokendesk subcommand/],
  ['génerate', /not a Tokendesk subcommand/],
  ['<@U0OWNER001>', /not a Tokendesk subcommand/],
];

describe('parseCommandText', () => {
  test.each(accepted)('%j is accepted', (text, expected) => {
    expect(parseCommandText(text)).toEqual(expected);
  });

  test.each(refused)('%j is refused with a reason', (text, reason) => {
    const parsed = parseCommandText(text);
    expect(parsed.kind).toBe('invalid');
    expect(parsed.kind === 'invalid' && parsed.reason).toMatch(reason);
  });

  test('a whole pasted token names its id, so revoke still asks for confirmation of the right token', () => {
    const token = formatToken('3fQ9xK2LmP0a', (n) => new Uint8Array(n).fill(7));
    expect(parseCommandText(`revoke ${token}`)).toEqual({ kind: 'revoke', tokenId: '3fQ9xK2LmP0a' });
    // A token with a wrong checksum is not trusted to name anything.
    expect(parseCommandText(`revoke ${token.slice(0, -1)}X`).kind).toBe('invalid');
  });

  test('reasons never echo what was typed (no pings, no markup from the input)', () => {
    for (const [text] of refused) {
      const parsed = parseCommandText(text);
      if (parsed.kind !== 'invalid') continue;
      expect(parsed.reason).not.toMatch(/<[@#!]|mailto|bob|frobnicate/);
    }
  });
});

describe('commandWords', () => {
  test('keeps <…> escapes whole and splits on any whitespace', () => {
    expect(commandWords(' a\tb\n<@U1|x y> c<#C1|z>')).toEqual(['a', 'b', '<@U1|x y>', 'c', '<#C1|z>']);
  });
});
