/**
 * The logger's scrubber against every form a secret takes in what Bolt and web-api log:
 * raw, inside JSON (escaped once by web-api's JSON.stringify, again by our line format),
 * JSON-unicode-escaped, and URL-encoded in a form body.
 */
import { stringify } from 'node:querystring';
import { describe, expect, test } from 'vitest';
import { createLogger, redact } from '../../src/shared/logger.ts';

const TOKEN = 'tdk_3fQ9xK2LmP0a8Hs2kPq9Rt5Vw1Xy3Za7BcZx81Qa';
const BOT_TOKEN = 'xoxb-not-a-real-bot-token-FAKE';
const APP_TOKEN = 'xapp-not-a-real-app-token-FAKE';
const SIGNATURE = `v0=${'ab12'.repeat(16)}`;
const SIGNING_SECRET = 'sh+/secret=with"odd\\chars&more';

const blocks = [{ type: 'section', text: { type: 'mrkdwn', text: `\`${TOKEN}\`` } }];
const unicodeEscaped = (s: string) => s.replace(/[_=-]/g, (c) => `\\u00${c.charCodeAt(0).toString(16)}`);

const FORMS: Array<[string, (secret: string) => string]> = [
  ['raw', (s) => `token ${s} here`],
  ['inside web-api’s debug body (JSON)', (s) => `http request body: ${JSON.stringify({ blocks, text: s })}`],
  ['JSON inside JSON', (s) => JSON.stringify({ body: JSON.stringify({ text: s }) })],
  ['JSON unicode escapes', (s) => `{"text":"${unicodeEscaped(s)}"}`],
  ['a form body (querystring)', (s) => stringify({ channel: 'C1', text: s, blocks: JSON.stringify(blocks) })],
  ['a form body (URLSearchParams)', (s) => new URLSearchParams({ text: s }).toString()],
  ['fully percent-encoded', (s) => s.replace(/[^A-Za-z0-9]/g, (c) => `%${c.charCodeAt(0).toString(16)}`)],
];

const lineFor = (text: string, secrets: string[] = []) => {
  const lines: string[] = [];
  createLogger({ level: 'debug', sink: (l) => lines.push(l), secrets }).debug(text);
  return lines[0] ?? '';
};

describe('the secret scrubber', () => {
  describe.each([
    ['an API token', TOKEN, TOKEN.slice(4)],
    ['a bot token', BOT_TOKEN, BOT_TOKEN.slice(5)],
    ['an app token', APP_TOKEN, APP_TOKEN.slice(5)],
    ['a request signature', SIGNATURE, SIGNATURE.slice(3)],
    ['a Socket Mode ticket', 'ticket=8f7c6a2e-11d4-4b7a-9c0e-5d2f1a3b4c5d', '8f7c6a2e-11d4-4b7a'],
  ])('%s, recognised by its shape', (_what, secret, core) => {
    test.each(FORMS)('%s', (_form, render) => {
      const line = lineFor(render(secret));
      expect(line).toContain('[REDACTED]');
      expect(line).not.toContain(core.slice(0, 12));
    });
  });

  // Literal values (signing secret, pepper…) have no shape to match, so only the encodings
  // JSON.stringify and URL encoders actually produce are covered (no \u escapes of ASCII).
  test.each(FORMS.filter(([form]) => form !== 'JSON unicode escapes'))(
    'a registered secret value, %s',
    (_form, render) => {
      const line = lineFor(render(SIGNING_SECRET), [SIGNING_SECRET]);
      expect(line).toContain('[REDACTED]');
      expect(line).not.toContain('secret');
    },
  );

  test('leaves ordinary text alone, including public token ids', () => {
    expect(redact('token 3fQ9xK2LmP0a revoked by U0ADMIN001')).toBe(
      'token 3fQ9xK2LmP0a revoked by U0ADMIN001',
    );
  });
});
