#!/usr/bin/env node
// The `tokendesk` command (package.json "bin"). It runs the TypeScript sources through tsx,
// so `npx tokendesk …` works straight after `npm install`, without a build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
await main();
