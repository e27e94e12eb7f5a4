import { readFileSync } from 'node:fs';
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

  test('enables interactivity because the app registers actions and views', () => {
    const seen = recordRegistrations();
    expect(seen.actions + seen.views).toBeGreaterThan(0);
    expect(manifest.settings.interactivity.is_enabled).toBe(true);
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

  test('asks for the scopes the app\u2019s Web API calls need and no others', () => {
    expect([...manifest.oauth_config.scopes.bot].sort()).toEqual(
      ['chat:write', 'commands', 'im:history', 'im:write', 'users:read', 'users:read.email'].sort(),
    );
  });
});
