import { afterEach, describe, expect, test } from 'vitest';
import type { DatabaseHandle } from '../../src/db/client.ts';
import { OPERATOR } from '../../src/shared/actor.ts';
import { linesOf, runInProcess } from '../support/cli.ts';
import { engineName, getTestDatabase } from '../support/test-database.ts';
import { memberWithToken } from '../verification/fixtures.ts';
import { type ApiInstance, startApiInstance } from './api-instance.ts';

describe(`the last-used address on ${engineName()}`, () => {
  let api: ApiInstance | undefined;
  let handle: DatabaseHandle;
  afterEach(async () => {
    await api?.close();
    api = undefined;
  });

  const start = async (env: Record<string, string> = {}) => {
    handle = await getTestDatabase();
    api = await startApiInstance({ handle, env });
    return api;
  };

  /** Writes what the recorder holds, then reads the token as lists show it. */
  const lastUsed = async (instance: ApiInstance, tokenId: string) => {
    await instance.app.verification.recorder.flushAll();
    const token = await instance.services.tokens.get(OPERATOR, tokenId);
    return { at: token.lastUsedAt, ip: token.lastUsedIp };
  };

  const whoamiVia = (instance: ApiInstance, token: string, forwardedFor: string) =>
    instance.fetch('/api/v1/whoami', {
      headers: { authorization: `Bearer ${token}`, 'x-forwarded-for': forwardedFor },
    });

  test('behind one trusted proxy it is the address the proxy appended, not one the client forged', async () => {
    const instance = await start({ TRUSTED_PROXY_HOPS: '1' });
    const { token, summary } = await memberWithToken(instance.services);
    expect((await whoamiVia(instance, token, '1.1.1.1, 203.0.113.7')).status).toBe(200);
    expect((await lastUsed(instance, summary.id)).ip).toBe('203.0.113.7');
  });

  test('with no trusted proxy (the default) X-Forwarded-For is ignored: it is the TCP peer', async () => {
    const instance = await start();
    const { token, summary } = await memberWithToken(instance.services);
    expect((await whoamiVia(instance, token, '203.0.113.7')).status).toBe(200);
    expect((await lastUsed(instance, summary.id)).ip).toBe('127.0.0.1');
  });

  test('introspection without client_ip keeps the address known before, pending or written', async () => {
    const instance = await start();
    const { token, summary } = await memberWithToken(instance.services);
    // Pending together in one batch: the later, address-less use keeps the earlier address.
    expect((await instance.whoami(`Bearer ${token}`)).status).toBe(200);
    instance.clock.advance(1_000);
    expect(await (await instance.introspect({ token })).json()).toMatchObject({ active: true });
    expect(await lastUsed(instance, summary.id)).toEqual({ at: instance.clock.now(), ip: '127.0.0.1' });
    // Written already: a later address-less write does not null it.
    instance.clock.advance(61_000);
    expect(await (await instance.introspect(`token=${token}`)).json()).toMatchObject({ active: true });
    expect(await lastUsed(instance, summary.id)).toEqual({ at: instance.clock.now(), ip: '127.0.0.1' });
  });

  test("introspection's optional client_ip is recorded, and a bad one is refused", async () => {
    const instance = await start();
    const { token, summary } = await memberWithToken(instance.services);
    const form = await instance.introspect(`token=${token}&client_ip=198.51.100.4`);
    expect(await form.json()).toMatchObject({ active: true });
    expect((await lastUsed(instance, summary.id)).ip).toBe('198.51.100.4');
    instance.clock.advance(61_000);
    expect(await (await instance.introspect({ token, client_ip: '2001:DB8::7' })).json()).toMatchObject({
      active: true,
    });
    expect((await lastUsed(instance, summary.id)).ip).toBe('2001:db8::7');
    for (const body of [`token=${token}&client_ip=example.com`, { token, client_ip: 7 }]) {
      const res = await instance.introspect(body);
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ error: { code: 'request.invalid' } });
    }
  });

  test('the CLI table shows it beside the last-used time', async () => {
    const instance = await start();
    const { token, summary } = await memberWithToken(instance.services);
    await instance.whoami(`Bearer ${token}`);
    await lastUsed(instance, summary.id);
    const lines = linesOf((await runInProcess(handle, ['tokens', 'list'])).stdout);
    expect(lines[0]).toMatch(/LAST USED \(UTC\)\s+LAST IP\s+STATUS$/);
    expect(lines[1]).toMatch(/\s127\.0\.0\.1\s+active$/);
  });
});
