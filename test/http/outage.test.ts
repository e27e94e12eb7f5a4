import { afterEach, describe, expect, test } from 'vitest';
import type { DatabaseHandle } from '../../src/db/client.ts';
import { engineName } from '../support/test-database.ts';
import { memberWithToken, openDedicatedDatabase, secretPartOf } from '../verification/fixtures.ts';
import { type ApiInstance, startApiInstance } from './api-instance.ts';

describe(`a database outage on ${engineName()}`, () => {
  let handle: DatabaseHandle | undefined;
  let api: ApiInstance | undefined;
  afterEach(async () => {
    await api?.close();
    await handle?.close();
  });

  test('is answered 503 unavailable, never 401, and stopping afterwards still works', async () => {
    ({ handle } = await openDedicatedDatabase('tokendesk_test_outage'));
    api = await startApiInstance({ handle, env: { VERIFY_CACHE_SECONDS: '0' } });
    const { token } = await memberWithToken(api.services);
    expect((await api.whoami(`Bearer ${token}`)).status).toBe(200);
    await handle.close();

    for (let i = 0; i < 12; i++) {
      const whoami = await api.whoami(`Bearer ${token}`);
      expect(whoami.status).toBe(503);
      expect(await whoami.json()).toMatchObject({ error: { code: 'unavailable' } });
    }
    const introspect = await api.introspect({ token });
    expect(introspect.status).toBe(503);
    expect(await introspect.json()).toMatchObject({ error: { code: 'unavailable' } });
    // A malformed token needs no database, so it is still refused as such.
    expect((await api.whoami('Bearer tdk_nope')).status).toBe(401);
    // Twelve outages did not count as failed attempts: the holder is not locked out afterwards.
    expect(api.app.verification.limiter.tracked()).toBe(0);

    expect(api.logs.join('\n')).toContain('verification failed');
    expect(api.logs.join('\n')).not.toContain(secretPartOf(token));
    await api.close();
    api = undefined;
  });
});
