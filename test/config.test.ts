/** Configuration: documented defaults, one clear message per bad variable, all problems at once. */
import { describe, expect, test } from 'vitest';
import { type Config, parseConfig, SETTINGS, secretValues } from '../src/config.ts';

const problemsOf = (env: Record<string, string>): string[] => {
  try {
    parseConfig({ env });
  } catch (error) {
    expect(error).toMatchObject({ code: 'config.invalid' });
    return (error as { details: { problems: string[] } }).details.problems;
  }
  throw new Error('expected the configuration to be refused');
};

describe('configuration', () => {
  test('with nothing set, every setting has its documented default', () => {
    // toMatchObject: a setting added later need not touch this test, but these must not change silently.
    expect(parseConfig({ env: {} })).toMatchObject({
      databaseUrl: 'pglite:./.data',
      port: 3000,
      logLevel: 'info',
      slackBotToken: undefined,
      slackSigningSecret: undefined,
      slackAppToken: undefined,
      slackApiUrl: undefined,
      slashCommand: '/apitoken',
      adminChannelId: undefined,
      adminEmails: [],
      adminSlackUserIds: [],
      tokenDefaultDays: 90,
      tokenMaxDays: 365,
      argon2MemoryKib: 19456,
      argon2Iterations: 2,
      argon2Parallelism: 1,
      tokenPepper: undefined,
      reminderDays: [30, 7, 1],
      reminderIntervalSeconds: 300,
      introspectionSecret: undefined,
      verifyCacheSeconds: 60,
      verifyCacheSize: 10000,
    } satisfies Partial<Config>);
  });

  test('every setting has an environment name and a description', () => {
    for (const setting of Object.values(SETTINGS)) {
      expect(setting.env).toMatch(/^[A-Z][A-Z0-9_]+$/);
      expect(setting.doc.length).toBeGreaterThan(5);
    }
  });

  test('an empty variable counts as unset', () => {
    expect(parseConfig({ env: { PORT: '', DATABASE_URL: '', TOKEN_PEPPER: '' } })).toMatchObject({
      port: 3000,
      databaseUrl: 'pglite:./.data',
      tokenPepper: undefined,
    });
  });

  test('values are parsed: lists trimmed, e-mails lower-cased, reminder days deduplicated and sorted', () => {
    const config = parseConfig({
      env: {
        DATABASE_URL: 'postgresql://u:p@db:5432/tokendesk',
        PORT: '8080',
        ADMIN_EMAILS: ' Boss@Example.com, ,ops@example.com ',
        ADMIN_SLACK_USER_IDS: 'U123,U456',
        REMINDER_DAYS: '1, 7, 30, 7',
        SLACK_API_URL: 'http://localhost:9999/api',
        ADMIN_CHANNEL_ID: 'C0ADMINS',
        LOG_LEVEL: 'debug',
        SLACK_COMMAND: '/tokens',
      },
    });
    expect(config).toMatchObject({
      databaseUrl: 'postgresql://u:p@db:5432/tokendesk',
      port: 8080,
      adminEmails: ['boss@example.com', 'ops@example.com'],
      adminSlackUserIds: ['U123', 'U456'],
      reminderDays: [30, 7, 1],
      slackApiUrl: 'http://localhost:9999/api/',
      adminChannelId: 'C0ADMINS',
      logLevel: 'debug',
      slashCommand: '/tokens',
    });
    expect(parseConfig({ env: { DATABASE_URL: 'pglite:memory' } }).databaseUrl).toBe('pglite:memory');
  });

  test.each([
    ['DATABASE_URL', 'mysql://localhost/db'],
    ['DATABASE_URL', 'pglite:'],
    ['PORT', '70000'],
    ['PORT', 'eighty'],
    ['LOG_LEVEL', 'verbose'],
    ['SLACK_API_URL', 'not a url'],
    ['SLACK_COMMAND', 'apitoken'],
    ['ADMIN_CHANNEL_ID', 'general'],
    ['TOKEN_DEFAULT_DAYS', '0'],
    ['TOKEN_MAX_DAYS', '3651'],
    ['ARGON2_MEMORY_KIB', '512'],
    ['ARGON2_ITERATIONS', '1.5'],
    ['ARGON2_PARALLELISM', '-1'],
    ['TOKEN_PEPPER', 'too-short'],
    ['REMINDER_DAYS', '30,soon'],
    ['REMINDER_INTERVAL_SECONDS', '86401'],
    ['INTROSPECTION_SECRET', 'short'],
    ['VERIFY_CACHE_SECONDS', '1h'],
    ['VERIFY_CACHE_SIZE', '-5'],
  ])('a bad %s (%j) is reported under its name', (variable, value) => {
    const problems = problemsOf({ [variable]: value });
    expect(problems).toHaveLength(1);
    expect(problems[0]!.startsWith(`${variable}: `)).toBe(true);
    expect(() => parseConfig({ env: { [variable]: value } })).toThrow(`Invalid configuration: ${variable}: `);
  });

  test('secret values are never repeated in the message', () => {
    expect(problemsOf({ TOKEN_PEPPER: 'tiny-pepper' })[0]).not.toContain('tiny-pepper');
  });

  test('several problems are reported together, in one error', () => {
    const problems = problemsOf({ PORT: 'x', LOG_LEVEL: 'loud', ARGON2_MEMORY_KIB: '1' });
    expect(problems.map((p) => p.split(':')[0])).toEqual(['PORT', 'LOG_LEVEL', 'ARGON2_MEMORY_KIB']);
    expect(() => parseConfig({ env: { PORT: 'x', LOG_LEVEL: 'loud' } })).toThrow(/PORT: .*; LOG_LEVEL: /);
  });

  test('the default lifetime may not exceed the maximum', () => {
    expect(problemsOf({ TOKEN_DEFAULT_DAYS: '400' })).toEqual([
      'TOKEN_DEFAULT_DAYS: must not exceed TOKEN_MAX_DAYS',
    ]);
    expect(problemsOf({ TOKEN_DEFAULT_DAYS: '30', TOKEN_MAX_DAYS: '7' })).toEqual([
      'TOKEN_DEFAULT_DAYS: must not exceed TOKEN_MAX_DAYS',
    ]);
    expect(parseConfig({ env: { TOKEN_DEFAULT_DAYS: '7', TOKEN_MAX_DAYS: '7' } }).tokenMaxDays).toBe(7);
  });

  test('secretValues lists exactly the secrets that are set', () => {
    expect(secretValues(parseConfig({ env: {} }))).toEqual([]);
    const config = parseConfig({
      env: {
        SLACK_BOT_TOKEN: 'xoxb-fake-1-2-3',
        SLACK_SIGNING_SECRET: 'signing-secret-value',
        TOKEN_PEPPER: 'pepper-0123456789',
        INTROSPECTION_SECRET: 'introspection-0123456789',
        ADMIN_EMAILS: 'boss@example.com',
        DATABASE_URL: 'pglite:memory',
      },
    });
    expect(secretValues(config).sort()).toEqual(
      ['xoxb-fake-1-2-3', 'signing-secret-value', 'pepper-0123456789', 'introspection-0123456789'].sort(),
    );
  });
});
