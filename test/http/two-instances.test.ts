import { afterEach, describe, expect, test } from 'vitest';
import { type DatabaseHandle, openDatabase } from '../../src/db/client.ts';
import { OPERATOR } from '../../src/shared/actor.ts';
import { ManualClock } from '../../src/shared/clock.ts';
import { type SlackFake, startSlackFake } from '../support/slack-fake.ts';
import { engineName, getTestDatabase, serverUrl } from '../support/test-database.ts';
import { countingHasher, memberWithToken, openDedicatedDatabase, within } from '../verification/fixtures.ts';
import { type ApiInstance, startApiInstance } from './api-instance.ts';

/**
 * Two instances: on Postgres, two processes' worth of connections to one dedicated
 * database, so revocations travel through the server's LISTEN/NOTIFY; on PGlite (one
 * process, one database) the same path runs in-process.
 */
describe(`two instances on one ${engineName()} database`, () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  const startPair = async () => {
    let first: DatabaseHandle;
    let second: DatabaseHandle;
    if (serverUrl()) {
      const dedicated = await openDedicatedDatabase('tokendesk_test_two_instances');
      first = dedicated.handle;
      second = await openDatabase(dedicated.url);
      cleanups.push(
        () => first.close(),
        () => second.close(),
      );
    } else {
      first = await getTestDatabase();
      second = first;
    }
    const fake: SlackFake = await startSlackFake();
    cleanups.push(() => fake.close());
    const clock = new ManualClock(new Date());
    const counting = countingHasher();
    const a = await startApiInstance({ handle: first, fake, clock });
    const b = await startApiInstance({ handle: second, fake, clock, hasher: counting.hasher });
    cleanups.push(
      () => a.close(),
      () => b.close(),
    );
    return { a, b, counting };
  };

  /** Polls `api` until the token is refused; resolves to how long that took. */
  const refusedWithin = (api: ApiInstance, token: string, ms: number) =>
    within(ms, async () => (await api.whoami(`Bearer ${token}`)).status === 401);

  test('a token revoked through one instance is refused by the other within one second', async () => {
    const { a, b, counting } = await startPair();
    const { token, summary } = await memberWithToken(a.services);
    expect((await b.whoami(`Bearer ${token}`)).status).toBe(200);
    expect((await b.whoami(`Bearer ${token}`)).status).toBe(200);
    expect(counting.calls.verify).toBe(1); // b has it cached
    await a.services.tokens.revoke(OPERATOR, summary.id);
    const elapsed = await refusedWithin(b, token, 1000);
    expect(elapsed).toBeLessThan(1000);
    expect(b.app.verification.cache.size()).toBe(0);
  });

  test("deactivating an owner through one instance drops the owner's tokens in the other within one second", async () => {
    const { a, b } = await startPair();
    const { token, user } = await memberWithToken(a.services);
    expect((await a.whoami(`Bearer ${token}`)).status).toBe(200);
    await b.services.users.deactivateUser(OPERATOR, user.id, 'offboarding test');
    expect(await refusedWithin(a, token, 1000)).toBeLessThan(1000);
  });

  test('introspection on the other instance turns inactive within one second as well', async () => {
    const { a, b } = await startPair();
    const { token, summary } = await memberWithToken(a.services);
    expect(await (await b.introspect({ token })).json()).toMatchObject({ active: true });
    await a.services.tokens.revoke(OPERATOR, summary.id);
    await within(
      1000,
      async () => ((await (await b.introspect({ token })).json()) as { active: boolean }).active === false,
    );
  });
});
