/** Services over the test database with a manual clock and real (but cheap) argon2id. */
import { parseConfig } from '../../src/config.ts';
import type { DatabaseHandle } from '../../src/db/client.ts';
import { createServices, type ServicesDeps } from '../../src/services.ts';
import { OPERATOR } from '../../src/shared/actor.ts';
import { ManualClock } from '../../src/shared/clock.ts';

/** argon2id with a small memory cost keeps the suite fast; the hashing tests use the real defaults. */
export const FAST_ARGON2 = { ARGON2_MEMORY_KIB: '1024', ARGON2_ITERATIONS: '1' };

export const testConfig = (env: Record<string, string> = {}) =>
  parseConfig({ env: { DATABASE_URL: 'pglite:memory', ...FAST_ARGON2, ...env } });

export const makeServices = (
  handle: DatabaseHandle,
  options: { env?: Record<string, string>; clock?: ManualClock } & Partial<ServicesDeps> = {},
) => {
  const clock = options.clock ?? new ManualClock('2026-06-01T12:00:00Z');
  const services = createServices({ ...options, db: handle.db, config: testConfig(options.env), clock });
  return { ...services, clock };
};

export type TestServices = ReturnType<typeof makeServices>;

/** Adds a user through the operator and returns it. */
export const addUser = async (services: TestServices, email: string, role: 'admin' | 'member' = 'member') => {
  const { user } = await services.users.addUser(OPERATOR, { email, name: email.split('@')[0] });
  if (role === 'admin') await services.users.grantAdmin(OPERATOR, user.id);
  return { ...user, role };
};
