import { sql } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { OPERATOR } from '../../src/shared/actor.ts';
import { cryptoRandom } from '../../src/shared/random.ts';
import { formatToken, newPublicId } from '../../src/tokens/token-format.ts';
import { engineName, getTestDatabase } from '../support/test-database.ts';
import { countingHasher, memberWithToken, secretPartOf, wrongSecretFor } from '../verification/fixtures.ts';
import { type ApiInstance, exposedText, startApiInstance } from './api-instance.ts';

const INVALID_TOKEN_CHALLENGE =
  /^Bearer realm="tokendesk", error="invalid_token", error_description="[^"]+"$/;

describe(`GET /api/v1/whoami on ${engineName()}`, () => {
  let api: ApiInstance;
  let counting: ReturnType<typeof countingHasher>;

  beforeEach(async () => {
    counting = countingHasher();
    api = await startApiInstance({ handle: await getTestDatabase(), hasher: counting.hasher });
  });
  afterEach(async () => {
    await api?.close();
  });

  test('a valid token gets its owner and its own metadata, and its expiry in a header', async () => {
    const { token, summary, user } = await memberWithToken(api.services, 'Dev.One@example.com', {
      at: new Date('2027-03-01T08:05:09Z'),
    });
    const res = await api.whoami(`Bearer ${token}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('tokendesk-token-expiration')).toBe('2027-03-01 08:05:09 UTC');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(await res.json()).toEqual({
      user: { id: user.id, email: 'Dev.One@example.com', name: 'Dev.One' },
      token: {
        id: summary.id,
        name: 'CI deploy',
        created_at: summary.createdAt.toISOString(),
        expires_at: '2027-03-01T08:05:09.000Z',
      },
    });
  });

  test('the scheme is case-insensitive, as RFC 6750 allows', async () => {
    const { token } = await memberWithToken(api.services);
    expect((await api.whoami(`bearer ${token}`)).status).toBe(200);
    expect((await api.whoami(`BEARER   ${token}`)).status).toBe(200);
  });

  test('a repeated call is answered from the cache without argon2', async () => {
    const { token } = await memberWithToken(api.services);
    for (let i = 0; i < 5; i++) expect((await api.whoami(`Bearer ${token}`)).status).toBe(200);
    expect(counting.calls.verify).toBe(1);
  });

  describe('refuses with 401, a reason code and an RFC 6750 challenge, never echoing the token', () => {
    const refused = async (authorization: string | undefined, code: string, token: string) => {
      const res = await api.whoami(authorization);
      expect(res.status).toBe(401);
      const challenge = res.headers.get('www-authenticate') ?? '';
      const text = await exposedText(res.clone());
      expect(text).not.toContain(token);
      expect(text).not.toContain(secretPartOf(token));
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe(code);
      expect(body.error.message.length).toBeGreaterThan(0);
      return challenge;
    };

    test('when the Authorization header is missing', async () => {
      const res = await api.whoami();
      expect(res.status).toBe(401);
      // RFC 6750 §3.1: no error code when no credentials were sent.
      expect(res.headers.get('www-authenticate')).toBe('Bearer realm="tokendesk"');
      expect(await res.json()).toMatchObject({ error: { code: 'auth.missing_token' } });
    });

    test('when the scheme is not Bearer', async () => {
      const { token } = await memberWithToken(api.services);
      const basic = `Basic ${Buffer.from(`${token}:`).toString('base64')}`;
      expect(await refused(basic, 'auth.wrong_scheme', token)).toBe('Bearer realm="tokendesk"');
      expect(await refused(`token ${token}`, 'auth.wrong_scheme', token)).toBe('Bearer realm="tokendesk"');
    });

    test('when the token is malformed or mistyped', async () => {
      const { token } = await memberWithToken(api.services);
      const mistyped = `${token.slice(0, 20)}${token[20] === 'a' ? 'b' : 'a'}${token.slice(21)}`;
      expect(await refused(`Bearer ${mistyped}`, 'auth.malformed_token', mistyped)).toMatch(
        INVALID_TOKEN_CHALLENGE,
      );
      expect(await refused(`Bearer ${token} extra`, 'auth.malformed_token', token)).toMatch(
        INVALID_TOKEN_CHALLENGE,
      );
      expect(await refused('Bearer', 'auth.malformed_token', token)).toMatch(INVALID_TOKEN_CHALLENGE);
      expect(counting.calls.verify).toBe(0);
    });

    test('when the token is unknown or its secret is wrong', async () => {
      const { token } = await memberWithToken(api.services);
      const unknown = formatToken(newPublicId(cryptoRandom), cryptoRandom);
      expect(await refused(`Bearer ${unknown}`, 'auth.invalid_token', unknown)).toMatch(
        INVALID_TOKEN_CHALLENGE,
      );
      const wrong = wrongSecretFor(token);
      expect(await refused(`Bearer ${wrong}`, 'auth.invalid_token', wrong)).toMatch(INVALID_TOKEN_CHALLENGE);
    });

    test('when the token is revoked', async () => {
      const { token, summary } = await memberWithToken(api.services);
      expect((await api.whoami(`Bearer ${token}`)).status).toBe(200);
      await api.services.tokens.revoke(OPERATOR, summary.id);
      expect(await refused(`Bearer ${token}`, 'auth.token_revoked', token)).toMatch(INVALID_TOKEN_CHALLENGE);
    });

    test('when the token has expired', async () => {
      const { token } = await memberWithToken(api.services, 'dev@example.com', {
        at: new Date(api.clock.now().getTime() + 3_600_000),
      });
      expect((await api.whoami(`Bearer ${token}`)).status).toBe(200);
      api.clock.advance(3_600_000);
      expect(await refused(`Bearer ${token}`, 'auth.token_expired', token)).toMatch(INVALID_TOKEN_CHALLENGE);
    });

    test('when the owner has been deactivated', async () => {
      const { token, user } = await memberWithToken(api.services);
      expect((await api.whoami(`Bearer ${token}`)).status).toBe(200);
      await api.services.users.deactivateUser(OPERATOR, user.id, 'test');
      // Offboarding revokes every token of the owner in the same transaction.
      expect(await refused(`Bearer ${token}`, 'auth.token_revoked', token)).toMatch(INVALID_TOKEN_CHALLENGE);
    });

    test('when the owner is marked deactivated while the token itself was never revoked', async () => {
      const { token, user } = await memberWithToken(api.services);
      await api.services.db.execute(sql`update users set deactivated_at = now() where id = ${user.id}`);
      expect(await refused(`Bearer ${token}`, 'auth.owner_deactivated', token)).toMatch(
        INVALID_TOKEN_CHALLENGE,
      );
    });
  });

  test("behind a load balancer, an attacker's 429 is not the holder's: clients are told apart by X-Forwarded-For", async () => {
    await api.close();
    api = await startApiInstance({
      handle: await getTestDatabase(),
      hasher: counting.hasher,
      env: { TRUSTED_PROXY_HOPS: '1', VERIFY_CACHE_SECONDS: '0' },
    });
    const { token } = await memberWithToken(api.services);
    const via = (forwardedFor: string, candidate: string) =>
      api.fetch('/api/v1/whoami', {
        headers: { authorization: `Bearer ${candidate}`, 'x-forwarded-for': forwardedFor },
      });
    for (let i = 0; i < 10; i++) expect((await via('198.51.100.66', wrongSecretFor(token))).status).toBe(401);
    expect((await via('198.51.100.66', wrongSecretFor(token))).status).toBe(429);
    // Forging a leftmost entry changes nothing: the balancer's entry is the one that counts.
    expect((await via('203.0.113.7, 198.51.100.66', wrongSecretFor(token))).status).toBe(429);
    // The holder, elsewhere, with the token not cached: argon2 runs, and the answer is 200.
    const res = await via('203.0.113.7', token);
    expect(res.status).toBe(200);
  });

  test('after ten failed attempts on one id from one address the next is answered 429 with Retry-After, without argon2', async () => {
    const { token } = await memberWithToken(api.services);
    for (let i = 0; i < 10; i++)
      expect((await api.whoami(`Bearer ${wrongSecretFor(token)}`)).status).toBe(401);
    const res = await api.whoami(`Bearer ${wrongSecretFor(token)}`);
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('60');
    expect(await res.json()).toMatchObject({ error: { code: 'auth.rate_limited' } });
    expect(counting.calls.verify).toBe(10);
  });

  test('other methods are refused with 405', async () => {
    const res = await api.fetch('/api/v1/whoami', { method: 'POST' });
    expect(res.status).toBe(405);
  });

  test('many calls cost one last-used write per minute, shown in lists after the flush', async () => {
    const { token, summary } = await memberWithToken(api.services);
    for (let i = 0; i < 25; i++) expect((await api.whoami(`Bearer ${token}`)).status).toBe(200);
    const recorder = api.app.verification.recorder;
    expect(await recorder.flushDue()).toBe(1);
    for (let i = 0; i < 25; i++) {
      api.clock.advance(1_000);
      await api.whoami(`Bearer ${token}`);
      expect(await recorder.flushDue()).toBe(0);
    }
    api.clock.advance(35_000);
    expect(await recorder.flushDue()).toBe(1);
    const { items } = await api.services.tokens.list(OPERATOR, {
      ownerId: summary.owner.id,
      limit: 10,
      offset: 0,
    });
    expect(items[0]).toMatchObject({ lastUsedIp: '127.0.0.1' });
    expect(items[0]!.lastUsedAt?.getTime()).toBe(api.clock.now().getTime() - 35_000);
  });

  test('no log line ever holds a presented token', async () => {
    const { token } = await memberWithToken(api.services);
    await api.whoami(`Bearer ${token}`);
    await api.whoami(`Bearer ${wrongSecretFor(token)}`);
    await api.whoami(`Basic ${token}`);
    expect(api.logs.length).toBeGreaterThan(0);
    expect(api.logs.join('\n')).not.toContain(secretPartOf(token));
  });
});
