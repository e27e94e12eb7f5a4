/**
 * Property-based fuzzing of what people type and what Slack sends back from a modal:
 * slash-command text (mentions, mailto links, unicode, 4,000 characters, SQL-looking
 * strings) and generate-view submissions of any shape. Whatever arrives, the answer is a
 * clear one — an ephemeral reply, a modal, or in-modal errors — never a 500, never an
 * error log line, never a token that was not asked for.
 */
import { sql } from 'drizzle-orm';
import fc from 'fast-check';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { parseCommandText } from '../../src/slack/command-text.ts';
import { ACTION, BLOCK, CALLBACK } from '../../src/slack/ids.ts';
import { readGenerateSubmission, type StateValues } from '../../src/slack/views/generate-modal.ts';
import { ADMIN, addPeople, MEMBER, modalValues, newViewId, OWNER } from '../slack/generate-support.ts';
import { type Harness, startHarness } from '../support/app-harness.ts';
import { validateBlockKit } from '../support/slack-fake.ts';
import { getTestDatabase, rowsOf } from '../support/test-database.ts';

const KINDS = ['help', 'generate', 'list', 'revoke', 'users', 'admins', 'audit', 'invalid'];
const SUBCOMMANDS = [
  'help',
  'generate',
  'new',
  'list',
  'revoke',
  'users',
  'admins',
  'audit',
  'grant',
  'revoke',
];

/** Pieces people (and Slack's escaping) put into command text. */
const word = fc.oneof(
  fc.constantFrom(...SUBCOMMANDS, 'GENERATE', 'Admins', 'grant', '@olive', 'tdk_', ''),
  fc.stringMatching(/^[UW][A-Z0-9]{2,11}$/).map((id) => `<@${id}>`),
  fc
    .tuple(fc.stringMatching(/^[UW][A-Z0-9]{2,11}$/), fc.string({ maxLength: 30 }))
    .map(([id, n]) => `<@${id}|${n}>`),
  fc.emailAddress().map((e) => `<mailto:${e}|${e}>`),
  fc.constantFrom(
    '<#C0GENERAL1|general>',
    '<!here>',
    '<!channel>',
    '<https://example.com|link>',
    '<@>',
    '<@U',
    '>>',
  ),
  fc.constantFrom(
    "'; drop table users; --",
    '" or 1=1 --',
    '%00',
    '\\x00',
    '$(rm -rf /)',
    `\${jndi:ldap://x}`,
  ),
  fc.stringMatching(/^[0-9A-Za-z]{12}$/),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
);
const commandText = fc.oneof(
  fc
    .array(word, { maxLength: 6 })
    .chain((words) => fc.constantFrom(' ', '  ', '\t', '\n', '\u00a0').map((sep) => words.join(sep))),
  fc.string({ unit: 'binary', maxLength: 4000 }),
  fc.constantFrom('x'.repeat(4000), `list ${'<@U0OWNER001>'.repeat(300)}`.slice(0, 4000), 'ü'.repeat(4000)),
);

describe('slash-command text, parsed (pure)', () => {
  test('every text parses to a known subcommand or a reason, and never throws', () => {
    fc.assert(
      fc.property(commandText, (text) => {
        const parsed = parseCommandText(text);
        expect(KINDS).toContain(parsed.kind);
        if (parsed.kind === 'invalid') {
          expect(parsed.reason.length).toBeGreaterThan(0);
          expect(parsed.reason.length).toBeLessThan(300);
          // The reason names the rule, never echoes what was typed.
          expect(text.length < 8 || !parsed.reason.includes(text)).toBe(true);
        }
      }),
      { numRuns: 2000 },
    );
  });
});

/** Anything Slack could put where one input's state lives, and many things it never would. */
const inputState = fc.oneof(
  fc.constant(undefined),
  fc.constant(null),
  fc.jsonValue({ maxDepth: 3 }),
  fc.record(
    {
      type: fc.constantFrom('users_select', 'plain_text_input', 'static_select', 'datepicker', 'nonsense'),
      selected_user: fc.oneof(fc.constant(OWNER), fc.constant(null), fc.string(), fc.integer(), fc.object()),
      value: fc.oneof(fc.constant(null), fc.string({ maxLength: 200 }), fc.integer(), fc.array(fc.string())),
      selected_date: fc.oneof(
        fc.constant(null),
        fc.constantFrom('2031-02-30', '1999-01-01', '9999-12-31', 'tomorrow', ''),
        fc.date({ noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10)),
        fc.integer(),
      ),
      selected_option: fc.oneof(
        fc.constant(null),
        fc.record({
          value: fc.oneof(fc.constantFrom('7', '30', '90', '365', '366', '-1', '0', '1e3'), fc.string()),
        }),
        fc.string(),
      ),
    },
    { requiredKeys: [] },
  ),
);

const blockOf = (actionId: string) =>
  fc.oneof(
    fc.constant(undefined),
    fc.constant(null),
    fc.string(),
    inputState.map((state) => ({ [actionId]: state })),
    inputState.map((state) => ({ 'some.other.action': state })),
  );

const stateValues = fc
  .record({
    [BLOCK.owner]: blockOf(ACTION.ownerSelect),
    [BLOCK.name]: blockOf(ACTION.nameInput),
    [BLOCK.expiryPreset]: blockOf(ACTION.expiryPreset),
    [BLOCK.expiryDate]: blockOf(ACTION.expiryDate),
  })
  .map((values) => Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined)));

const KNOWN_BLOCKS = new Set<string>(Object.values(BLOCK));

describe('generate-view submissions, read (pure)', () => {
  test('any state shape is read as a request or as in-modal errors on known blocks, and never throws', () => {
    fc.assert(
      fc.property(stateValues, (values) => {
        const reading = readGenerateSubmission(
          values as unknown as StateValues,
          new Date('2026-12-03T12:00:00Z'),
          {
            defaultDays: 90,
            maxDays: 365,
          },
        );
        if (reading.ok) {
          expect(reading.request.ownerSlackUserId).toMatch(/^[UW][A-Z0-9]{2,}$/);
          expect(reading.request.expiresAt.getTime()).toBeGreaterThan(Date.parse('2026-12-03T12:00:00Z'));
        } else {
          const entries = Object.entries(reading.errors);
          expect(entries.length).toBeGreaterThan(0);
          for (const [block, message] of entries) {
            expect(KNOWN_BLOCKS.has(block)).toBe(true);
            expect(typeof message).toBe('string');
            // Slack shows at most 150 characters of an input error.
            expect(String(message).length).toBeLessThanOrEqual(150);
          }
        }
      }),
      { numRuns: 3000 },
    );
  });
});

describe('fuzzed requests through the real Bolt receiver', () => {
  let h: Harness;
  const errorLines = () => h.logs.filter((line) => /"level":"error"/.test(line));
  const told = () => h.fake.callsTo('chat.postEphemeral').length + h.fake.callsTo('chat.postMessage').length;
  const tokenCount = async () =>
    Number(
      rowsOf<{ n: number | string }>(await h.handle.db.execute(sql`select count(*) as n from api_tokens`))[0]!
        .n,
    );

  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => h.close());
  beforeEach(async () => {
    await getTestDatabase();
    h.fake.reset();
    h.logs.length = 0;
    await addPeople(h);
  });

  test('any command text from an admin or a member gets a 200 and one clear answer, never an error', async () => {
    await fc.assert(
      fc.asyncProperty(commandText, fc.constantFrom(ADMIN, MEMBER), async (text, userId) => {
        const opened = h.fake.callsTo('views.open').length;
        const { res, responseUrl } = await h.command(text, { userId });
        expect(res.status).toBe(200);
        const answer = await h.waitFor(
          () =>
            h.fake.callsTo('response_url').find((c) => c.url === responseUrl) ??
            h.fake.callsTo('views.open')[opened],
          10_000,
        );
        if (answer.method === 'response_url') {
          expect(answer.args.response_type).toBe('ephemeral');
          expect(validateBlockKit('message', answer.args)).toEqual([]);
          expect(
            String(answer.args.text ?? '').length + JSON.stringify(answer.args.blocks ?? []).length,
          ).toBeGreaterThan(0);
          expect(JSON.stringify(answer.args)).not.toMatch(/temporarily unavailable|TypeError|stack/i);
        } else {
          expect(answer.error).toBeUndefined();
        }
        expect(errorLines()).toEqual([]);
      }),
      { numRuns: 60 },
    );
    // SQL-looking text was data, not code: the tables and the people are all still there.
    const people = rowsOf<{ n: number | string }>(
      await h.handle.db.execute(sql`select count(*) as n from users`),
    );
    expect(Number(people[0]!.n)).toBeGreaterThanOrEqual(1);
  });

  test('any generate-view state from an admin is answered 200 with in-modal errors or an ack, never a 500', async () => {
    const metadata = fc.oneof(
      fc.constant('{"kind":"channel","channelId":"C0GENERAL1"}'),
      fc.constant('home'),
      fc.string({ maxLength: 3000 }),
      fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.stringify(v)),
    );
    await fc.assert(
      fc.asyncProperty(stateValues, metadata, async (values, privateMetadata) => {
        const before = await tokenCount();
        const toldBefore = told();
        const res = await h.submit({
          userId: ADMIN,
          callbackId: CALLBACK.generateModal,
          viewId: newViewId(),
          privateMetadata,
          values: values as Record<string, Record<string, unknown>>,
        });
        expect(res.status).toBe(200);
        if (res.text === '') {
          // Acknowledged: the work runs after the ack, and always ends in a message to the
          // admin (the token, or why not). Wait for it so the next run counts from a still state.
          await h.waitFor(() => told() > toldBefore, 10_000);
        } else {
          const body = res.json as { response_action: string; errors: Record<string, string> };
          expect(body.response_action).toBe('errors');
          for (const block of Object.keys(body.errors)) expect(KNOWN_BLOCKS.has(block)).toBe(true);
          // An answer inside the modal means nothing was made.
          expect(await tokenCount()).toBe(before);
        }
        expect(errorLines()).toEqual([]);
      }),
      { numRuns: 40 },
    );
  });

  test('the fuzzed submission path can make a token (the property above is not vacuous)', async () => {
    const res = await h.submit({
      userId: ADMIN,
      callbackId: CALLBACK.generateModal,
      viewId: newViewId(),
      privateMetadata: '{"kind":"channel","channelId":"C0GENERAL1"}',
      values: modalValues(),
    });
    expect(res.status).toBe(200);
    expect(res.text).toBe('');
    await h.waitFor(async () => (await tokenCount()) === 1);
  });
});
