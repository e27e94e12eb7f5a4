import type { IncomingMessage } from 'node:http';
import { describe, expect, test } from 'vitest';
import { clientIp, normalizeIp } from '../../src/http/api/bearer.ts';

const request = (peer: string | undefined, forwardedFor?: string) =>
  ({
    socket: { remoteAddress: peer },
    headers: forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor },
  }) as unknown as IncomingMessage;

describe("the client's address", () => {
  test('without a trusted proxy it is the TCP peer, whatever X-Forwarded-For claims', () => {
    expect(clientIp(request('198.51.100.9', '203.0.113.7'))).toBe('198.51.100.9');
    expect(clientIp(request('::ffff:198.51.100.9'))).toBe('198.51.100.9');
    expect(clientIp(request('2001:DB8::1'))).toBe('2001:db8::1');
    expect(clientIp(request(undefined))).toBeNull();
  });

  test('behind one proxy it is the entry that proxy appended, not what the client forged before it', () => {
    // The client sent "X-Forwarded-For: 1.1.1.1"; the balancer appended what it saw.
    const req = request('10.0.0.2', '1.1.1.1, 203.0.113.7');
    expect(clientIp(req, 1)).toBe('203.0.113.7');
    expect(clientIp(req, 0)).toBe('10.0.0.2');
  });

  test('behind two proxies it is two hops from the right', () => {
    const req = request('10.0.0.3', '1.1.1.1, 203.0.113.7, 10.0.0.2');
    expect(clientIp(req, 2)).toBe('203.0.113.7');
    expect(clientIp(req, 1)).toBe('10.0.0.2');
  });

  test('a chain shorter than the hops gives the furthest address known; garbage gives the peer', () => {
    expect(clientIp(request('10.0.0.2', '203.0.113.7'), 3)).toBe('203.0.113.7');
    expect(clientIp(request('10.0.0.2'), 1)).toBe('10.0.0.2');
    expect(clientIp(request('10.0.0.2', 'unknown'), 1)).toBe('10.0.0.2');
    expect(clientIp(request('10.0.0.2', '203.0.113.7, <script>'), 1)).toBe('10.0.0.2');
  });

  test('addresses with ports or brackets are read as the address alone', () => {
    expect(normalizeIp('203.0.113.7:4711')).toBe('203.0.113.7');
    expect(normalizeIp('[2001:db8::1]:443')).toBe('2001:db8::1');
    expect(normalizeIp('[2001:db8::1]')).toBe('2001:db8::1');
    expect(normalizeIp(' ::ffff:203.0.113.7 ')).toBe('203.0.113.7');
    for (const bad of ['', '300.1.1.1', 'example.com', '1.2.3', '2001:db8::1:443:x']) {
      expect(normalizeIp(bad), bad).toBeNull();
    }
  });
});
