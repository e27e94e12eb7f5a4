import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { renderConfigTable } from '../src/config-table.ts';

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
});
