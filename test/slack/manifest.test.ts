import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { App } from '@slack/bolt';
import { Ajv } from 'ajv';
import { describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { parseConfig } from '../../src/config.ts';
import { EVENTS } from '../../src/slack/ids.ts';
import { registerListeners } from '../../src/slack/listeners/index.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const manifest = parse(readFileSync(`${root}manifest.yml`, 'utf8'));
const schemaPath = (major: number) =>
  fileURLToPath(
    new URL(`../fixtures/slack-manifest-schema/manifest.schema.${major}.0.0.json`, import.meta.url),
  );

/** Records what registerListeners asks Bolt for, without a running app. */
const recordRegistrations = () => {
  const seen = { commands: [] as string[], events: [] as string[], actions: 0, views: 0, options: 0 };
  const recorder = {
    command: (name: string) => seen.commands.push(name),
    event: (name: string) => seen.events.push(name),
    action: () => seen.actions++,
    view: () => seen.views++,
    options: () => seen.options++,
    use: () => undefined,
    error: () => undefined,
  };
  const config = parseConfig({ env: {} });
  registerListeners(recorder as unknown as App, {
    config,
    // Registration reads nothing else; handlers never run here.
    services: {} as never,
    clock: { now: () => new Date() },
    logger: { child: () => ({}) } as never,
    refreshHomes: async () => {},
  });
  return seen;
};

/**
 * Bot scopes per Web API method, from each method's reference page at docs.slack.dev (the ones
 * Tokendesk's use needs: conversations.open only ever opens a DM). views.* and auth.test need
 * none; apps.connections.open runs on the app-level token (connections:write), not a bot scope.
 */
const METHOD_SCOPES: Record<string, string[]> = {
  'auth.test': [],
  'users.info': ['users:read'],
  'conversations.open': ['im:write'],
  // Reading the bot's own DMs back, to find a reminder whose send is in doubt.
  'conversations.history': ['im:history'],
  'chat.postMessage': ['chat:write'],
  'chat.postEphemeral': ['chat:write'],
  'chat.update': ['chat:write'],
  'chat.delete': ['chat:write'],
  'views.open': [],
  'views.push': [],
  'views.update': [],
  'views.publish': [],
  'apps.connections.open': [],
};

/** Scopes an event subscription requires (user_change: users:read; app_home_opened: none). */
const EVENT_SCOPES: Record<string, string[]> = { app_home_opened: [], user_change: ['users:read'] };

const sourceFiles = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });

/** Every `<something>client.<family>.<method>(` and `apiCall('<method>'` in the sources. */
const webApiCallsIn = (dir: string): Set<string> => {
  const found = new Set<string>();
  for (const file of sourceFiles(dir)) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/\b\w*[cC]lient\??\.([a-z]+(?:\.[a-zA-Z]+)+)\s*\(/g)) found.add(m[1]!);
    for (const m of text.matchAll(/\.apiCall\(\s*['"`]([\w.]+)['"`]/g)) found.add(m[1]!);
  }
  return found;
};

const readsProfileEmail = (dir: string): boolean =>
  sourceFiles(dir).some((file) => /\.profile\??\.email\b/.test(readFileSync(file, 'utf8')));

describe('manifest.yml', () => {
  test('is valid against Slack\u2019s published schema for its major version', () => {
    const major = manifest._metadata.major_version as number;
    const schema = JSON.parse(readFileSync(schemaPath(major), 'utf8'));
    const ajv = new Ajv({ strict: false, allErrors: true });
    const validate = ajv.compile(schema);
    const valid = validate(manifest);
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });

  test('declares exactly the slash command the app registers', () => {
    const declared = manifest.features.slash_commands.map((c: { command: string }) => c.command);
    expect(declared).toEqual(recordRegistrations().commands);
  });

  test('subscribes to exactly the events the app listens to', () => {
    const registered = recordRegistrations().events;
    expect([...manifest.settings.event_subscriptions.bot_events].sort()).toEqual([...registered].sort());
    expect([...registered].sort()).toEqual([...EVENTS].sort());
  });

  test('turns interactivity on exactly when the app registers actions or views', () => {
    const seen = recordRegistrations();
    const interactive = seen.actions + seen.views + seen.options > 0;
    expect(seen.actions + seen.views).toBeGreaterThan(0);
    expect(Boolean(manifest.settings.interactivity?.is_enabled)).toBe(interactive);
    expect(Boolean(manifest.settings.interactivity?.request_url)).toBe(interactive);
  });

  test('declares an options load URL exactly when the app answers options requests', () => {
    // "Options Load URL" in the app settings is `message_menu_options_url` in a manifest.
    const seen = recordRegistrations();
    expect(Boolean(manifest.settings.interactivity?.message_menu_options_url)).toBe(seen.options > 0);
  });

  test('has the home tab on, Socket Mode on for development, and a comment on every bot scope', () => {
    expect(manifest.features.app_home.home_tab_enabled).toBe(true);
    expect(manifest.settings.socket_mode_enabled).toBe(true);
    const text = readFileSync(`${root}manifest.yml`, 'utf8').split('\n');
    const scopes: string[] = manifest.oauth_config.scopes.bot;
    for (const scope of scopes) {
      const at = text.findIndex((line) => line.trim() === `- ${scope}`);
      expect(at, scope).toBeGreaterThan(0);
      expect(text[at - 1]?.trim().startsWith('#'), `comment above ${scope}`).toBe(true);
    }
  });

  test('asks for exactly the bot scopes that the Web API calls in src/, its events and its command need', () => {
    const calls = webApiCallsIn(`${root}src`);
    const unknown = [...calls].filter((method) => !(method in METHOD_SCOPES));
    expect(unknown, 'add these methods and their bot scopes to METHOD_SCOPES').toEqual([]);
    const seen = recordRegistrations();
    const needed = new Set<string>([
      ...[...calls].flatMap((method) => METHOD_SCOPES[method] ?? []),
      ...seen.events.flatMap((event) => EVENT_SCOPES[event] ?? []),
      ...(seen.commands.length > 0 ? ['commands'] : []),
      // Matching a Slack person to a product user reads the e-mail on their profile.
      ...(readsProfileEmail(`${root}src`) ? ['users:read.email'] : []),
    ]);
    // Not vacuous: the scan found the calls Tokendesk is built on.
    expect(calls).toContain('chat.postEphemeral');
    expect(calls).toContain('users.info');
    expect([...manifest.oauth_config.scopes.bot].sort()).toEqual([...needed].sort());
  });
});
