/**
 * (b) Cold verification — format check, database lookup and argon2id with the OWASP
 * defaults, no cache — beside one bare `argon2.verify` of the same hash. "Cold" means not
 * cached, not "first call in a fresh process": a few verifications warm the JIT and the
 * database first, then the two are measured in turns so that drift hits both alike. The
 * lookup alone is measured too, right after an argon2 run as in a real verification,
 * to show where the difference goes.
 */
import argon2 from 'argon2';
import { parseConfig } from '../src/config.ts';
import { openDatabase } from '../src/db/client.ts';
import { migrateDatabase } from '../src/db/migrate.ts';
import { createServices } from '../src/services.ts';
import { OPERATOR } from '../src/shared/actor.ts';
import { percentile } from './load.ts';

const WARMUP = 5;
const SAMPLES = 40;

export const measureColdVerify = async (databaseUrl: string) => {
  const handle = await openDatabase(databaseUrl);
  try {
    await migrateDatabase(handle);
    const services = createServices({ db: handle.db, config: parseConfig({ env: {} }) });
    const { user } = await services.users.addUser(OPERATOR, { email: 'cold@example.com' });
    await services.users.grantAdmin(OPERATOR, user.id);
    const tokens: string[] = [];
    for (let i = 0; i < WARMUP + SAMPLES; i++)
      tokens.push((await services.tokens.generate(OPERATOR, { ownerId: user.id })).token);
    const hash = await services.hasher.hash(tokens[0]!);
    const ours: number[] = [];
    const bare: number[] = [];
    const lookups: number[] = [];
    for (const [i, token] of tokens.entries()) {
      let t0 = performance.now();
      const result = await services.tokens.verify(token);
      const verifyMs = performance.now() - t0;
      if (!result.ok) throw new Error('bench token did not verify');
      t0 = performance.now();
      await argon2.verify(hash, tokens[0]!);
      const argon2Ms = performance.now() - t0;
      t0 = performance.now();
      await services.repos.tokens.lookupForVerification(handle.db, token.slice(4, 16));
      const lookupMs = performance.now() - t0;
      if (i < WARMUP) continue;
      ours.push(verifyMs);
      bare.push(argon2Ms);
      lookups.push(lookupMs);
    }
    for (const list of [ours, bare, lookups]) list.sort((a, b) => a - b);
    const verifyMs = percentile(ours, 50);
    const argon2Ms = percentile(bare, 50);
    return {
      verifyMs,
      argon2Ms,
      lookupMs: percentile(lookups, 50),
      ratio: verifyMs / argon2Ms,
      samples: SAMPLES,
    };
  } finally {
    await handle.close();
  }
};
