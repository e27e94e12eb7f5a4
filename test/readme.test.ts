import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { renderConfigTable } from '../src/config-table.ts';
import { AUTH_FAILURES, RATE_LIMITED_CODE, UNAVAILABLE_CODE } from '../src/http/api/bearer.ts';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));

describe('README.md', () => {
  test('its configuration table is exactly the settings the code reads', () => {
    const between = readme.split('<!-- config-table:start -->\n')[1]?.split('\n<!-- config-table:end -->')[0];
    expect(between).toBe(renderConfigTable());
  });

  test('every npm script it tells a reader to run exists', () => {
    const named = [...readme.matchAll(/npm run ([a-z:]+)/g)].map((m) => m[1]);
    for (const script of named) expect(Object.keys(pkg.scripts), script).toContain(script);
    expect(pkg.scripts.test).toBeDefined();
    expect(pkg.scripts.start).toBeDefined();
  });

  test('the CI script runs the README\u2019s test command on both databases', () => {
    const ci = readFileSync(new URL('../.ci/run', import.meta.url), 'utf8');
    expect(readme).toContain('npm test');
    expect(ci).toMatch(/\nnpm test\n/);
    expect(ci).toMatch(/TEST_DATABASE_URL="\$PG_URL" npm test/);
  });

  test('it documents every error code the verification API answers with, and no other', () => {
    const section = readme.split('## The verification API')[1]?.split('\n## ')[0] ?? '';
    const documented = new Set(
      [...section.matchAll(/\|\s*(\d{3})\s*\|\s*`([a-z_.]+)`/g)].map((m) => `${m[1]} ${m[2]}`),
    );
    const real = [
      ...Object.values(AUTH_FAILURES).map((f) => `401 ${f.code}`),
      `429 ${RATE_LIMITED_CODE}`,
      `503 ${UNAVAILABLE_CODE}`,
    ];
    for (const code of real) expect(documented, code).toContain(code);
    // A code shown in the README that the API never sends (the old `invalid_token`) is wrong too.
    const known = new Set([...real, '401 auth.invalid_client']);
    for (const code of documented) expect(known, code).toContain(code);
  });

  test('engines.node admits no Node.js without process.loadEnvFile (added in 20.12)', () => {
    const src = readFileSync(new URL('../src/index.ts', import.meta.url), 'utf8');
    expect(src).toContain('process.loadEnvFile');
    const [major, minor] = (/^>=(\d+)\.(\d+)/.exec(pkg.engines.node) ?? []).slice(1).map(Number);
    expect(major, pkg.engines.node).toBe(20);
    expect(minor, pkg.engines.node).toBeGreaterThanOrEqual(12);
  });
});
