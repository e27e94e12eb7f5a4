/** Renders SETTINGS as the README's configuration table; a test keeps README.md identical to it. */
import { SETTINGS } from './config.ts';

export const renderConfigTable = (): string => {
  const rows = Object.values(SETTINGS).map((s) => {
    const fallback = s.default === undefined ? '—' : s.default === '' ? '(empty)' : `\`${s.default}\``;
    const secret = 'secret' in s && s.secret ? ' *(secret: never logged)*' : '';
    return `| \`${s.env}\` | ${fallback} | ${s.doc}${secret} |`;
  });
  return ['| Variable | Default | Meaning |', '| --- | --- | --- |', ...rows].join('\n');
};

if (import.meta.url === `file://${process.argv[1]}`) process.stdout.write(`${renderConfigTable()}\n`);
