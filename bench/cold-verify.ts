/**
 * (b) Cold verification — format check, database lookup and argon2id with the OWASP
 * defaults, no cache — beside one bare `argon2.verify` of the same hash.
 */
import argon2 from 'argon2';
import { parseConfig } from '../src/config.ts';
import { openDatabase } from '../src/db/client.ts';
import { migrateDatabase } from '../src/db/migrate.ts';
import { createServices } from '../src/services.ts';
import { OPERATOR } from '../src/shared/actor.ts';
import { percentile } from './load.ts';

const N = 20;

export const measureColdVerify = async (databaseUrl: string) => {
  const handle = await openDatabase(databaseUrl);
  await migrateDatabase(handle);
  const services = createServices({ db: handle.db, config: parseConfig({ env: {} }) });
  const { user } = await services.users.addUser(OPERATOR, { email: 'cold@example.com' });
  await services.users.grantAdmin(OPERATOR, user.id);
  const tokens: string[] = [];
  for (let i = 0; i < N; i++)
    tokens.push((await services.tokens.generate(OPERATOR, { ownerId: user.id })).token);
  const hash = await services.hasher.hash(tokens[0]!);
  const ours: number[] = [];
  const bare: number[] = [];
  for (const token of tokens) {
    let t0 = performance.now();
    const result = await services.tokens.verify(token);
    ours.push(performance.now() - t0);
    if (!result.ok) throw new Error('bench token did not verify');
    t0 = performance.now();
    await argon2.verify(hash, tokens[0]!);
    bare.push(performance.now() - t0);
  }
  await handle.close();
  ours.sort((a, b) => a - b);
  bare.sort((a, b) => a - b);
  const verifyMs = percentile(ours, 50);
  const argon2Ms = percentile(bare, 50);
  return { verifyMs, argon2Ms, ratio: verifyMs / argon2Ms, samples: N };
};
