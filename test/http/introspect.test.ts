import { request } from 'node:http';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { OPERATOR } from '../../src/shared/actor.ts';
import { cryptoRandom } from '../../src/shared/random.ts';
import { formatToken, newPublicId } from '../../src/tokens/token-format.ts';
import { engineName, getTestDatabase } from '../support/test-database.ts';
import { memberWithToken, secretPartOf, wrongSecretFor } from '../verification/fixtures.ts';
import { type ApiInstance, exposedText, INTROSPECTION_SECRET, startApiInstance } from './api-instance.ts';

const MIB = 1024 * 1024;

/** Streams `size` bytes without a Content-Length (chunked), as a client that lies by omission. */
const postChunked = (url: string, size: number): Promise<{ status: number; body: string }> =>
  new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: `Bearer ${INTROSPECTION_SECRET}`,
        },
      },
      (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => {
          body += chunk.toString('utf8');
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    const chunk = Buffer.alloc(64 * 1024, 'a');
    let sent = 0;
    const pump = () => {
      while (sent < size) {
        sent += chunk.length;
        if (!req.write(chunk)) return void req.once('drain', pump);
      }
      req.end();
    };
    pump();
  });

describe(`POST /api/v1/introspect on ${engineName()}`, () => {
  let api: ApiInstance;

  beforeEach(async () => {
    api = await startApiInstance({ handle: await getTestDatabase() });
  });
  afterEach(async () => {
    await api?.close();
  });

  test('is off (404) when INTROSPECTION_SECRET is not set', async () => {
    await api.close();
    api = await startApiInstance({ handle: await getTestDatabase(), env: { INTROSPECTION_SECRET: '' } });
    const res = await api.introspect('token=x');
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: { code: 'request.not_found' } });
  });

  test('refuses a caller without the secret or with a wrong one, without echoing it', async () => {
    const missing = await api.introspect('token=x', { secret: null });
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toBe('Bearer realm="tokendesk-introspection"');
    const wrong = await api.introspect('token=x', { secret: 'not-the-secret-but-long-enough' });
    expect(wrong.status).toBe(401);
    expect(await exposedText(wrong)).not.toContain('not-the-secret');
    const truncated = await api.introspect('token=x', { secret: INTROSPECTION_SECRET.slice(0, -1) });
    expect(truncated.status).toBe(401);
  });

  test('answers an active token with RFC 7662 claims, from a form body', async () => {
    const { token, summary, user } = await memberWithToken(api.services, 'dev@example.com', {
      at: new Date('2027-01-02T03:04:05Z'),
    });
    const res = await api.introspect(
      new URLSearchParams({ token, token_type_hint: 'access_token' }).toString(),
    );
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(await res.json()).toEqual({
      active: true,
      sub: user.id,
      username: 'dev@example.com',
      exp: Date.parse('2027-01-02T03:04:05Z') / 1000,
      iat: Math.floor(summary.createdAt.getTime() / 1000),
      token_type: 'Bearer',
      jti: summary.id,
    });
  });

  test('answers the same from a JSON body', async () => {
    const { token, summary } = await memberWithToken(api.services);
    const res = await api.introspect({ token });
    expect(await res.json()).toMatchObject({ active: true, jti: summary.id });
  });

  test('answers only {"active": false} for anything not valid', async () => {
    const { token, summary } = await memberWithToken(api.services);
    const { token: revoked, summary: revokedSummary } = await memberWithToken(
      api.services,
      'gone@example.com',
    );
    await api.services.tokens.revoke(OPERATOR, revokedSummary.id);
    const candidates = [
      revoked,
      wrongSecretFor(token),
      formatToken(newPublicId(cryptoRandom), cryptoRandom),
      `${token}x`,
      'not a token at all',
    ];
    for (const candidate of candidates) {
      const res = await api.introspect({ token: candidate });
      expect(res.status).toBe(200);
      const text = await exposedText(res.clone());
      expect(text).not.toContain(secretPartOf(token));
      expect(await res.json()).toEqual({ active: false });
    }
    expect(summary.status).toBe('active');
  });

  test('a token id locked by failed attempts reads as inactive', async () => {
    const { token } = await memberWithToken(api.services);
    for (let i = 0; i < 10; i++) await api.introspect({ token: wrongSecretFor(token) });
    expect(await (await api.introspect({ token })).json()).toEqual({ active: false });
  });

  test.each([
    { what: 'invalid JSON', body: '{"token": ', type: 'application/json', status: 400 },
    { what: 'a JSON array', body: '["tdk_x"]', type: 'application/json', status: 400 },
    {
      what: 'a JSON token that is not a string',
      body: '{"token": 42}',
      type: 'application/json',
      status: 400,
    },
    {
      what: 'a form without token',
      body: 'token_type_hint=access_token',
      type: 'application/x-www-form-urlencoded',
      status: 400,
    },
    {
      what: 'a form with an empty token',
      body: 'token=',
      type: 'application/x-www-form-urlencoded',
      status: 400,
    },
    {
      what: 'a form with two tokens',
      body: 'token=a&token=b',
      type: 'application/x-www-form-urlencoded',
      status: 400,
    },
    { what: 'plain text', body: 'tdk_something', type: 'text/plain', status: 415 },
  ])('refuses $what with a JSON error ($status)', async ({ body, type, status }) => {
    const res = await api.introspect(body, { contentType: type });
    expect(res.status).toBe(status);
    const json = (await res.json()) as { error: { code: string; message: string } };
    expect(json.error.code).toMatch(/^request\./);
    expect(json.error.message).not.toContain('tdk_');
  });

  test('refuses a declared body over 1 MiB with 413 without reading it', async () => {
    const res = await api.introspect(`token=${'a'.repeat(MIB)}`);
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ error: { code: 'request.too_large' } });
  });

  test('refuses a streamed body that grows over 1 MiB with 413', async () => {
    const res = await postChunked(`${api.baseUrl}/api/v1/introspect`, 2 * MIB);
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body)).toMatchObject({ error: { code: 'request.too_large' } });
    // The instance is still fine.
    expect((await api.fetch('/healthz')).status).toBe(200);
  });

  test('the secret never reaches the logs', async () => {
    const { token } = await memberWithToken(api.services);
    await api.introspect({ token });
    await api.introspect({ token }, { secret: 'wrong-secret-0123456789' });
    expect(api.logs.length).toBeGreaterThan(0);
    expect(api.logs.join('\n')).not.toContain(INTROSPECTION_SECRET);
  });
});
