import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { ACTION } from '../../../src/slack/ids.ts';
import { alreadyRevokedText, revokeButton, revokedText } from '../../../src/slack/views/revoke.ts';
import type { TokenSummary } from '../../../src/tokens/tokens.models.ts';
import { validateBlockKit } from '../../support/slack-fake.ts';

const token = (over: Partial<TokenSummary> = {}): TokenSummary => ({
  id: 'AbCdEfGhIjKl',
  name: 'CI deploys',
  owner: { id: 'u-1', email: 'olive@example.com', name: 'Olive Owner' },
  createdAt: new Date('2026-06-01T12:00:00Z'),
  expiresAt: new Date('2026-08-30T12:00:00Z'),
  lastUsedAt: null,
  lastUsedIp: null,
  revokedAt: null,
  revokeReason: null,
  status: 'active',
  ...over,
});

const inMessage = (t: TokenSummary) => ({
  text: 'x',
  blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'x' }, accessory: revokeButton(t) }],
});

describe('the Revoke button', () => {
  test('is a danger button whose value is the token id', () => {
    expect(revokeButton(token())).toMatchObject({
      type: 'button',
      action_id: ACTION.revokeToken,
      style: 'danger',
      value: 'AbCdEfGhIjKl',
      text: { text: 'Revoke' },
    });
  });

  test('asks for confirmation naming the token and its owner and saying it is permanent', () => {
    const confirm = revokeButton(token()).confirm!;
    expect(confirm.title!.text).toBe('Revoke this token?');
    expect(confirm.text.text).toContain('"CI deploys" (AbCdEfGhIjKl)');
    expect(confirm.text.text).toContain('Olive Owner (olive@example.com)');
    expect(confirm.text.text).toContain('permanent');
    expect(confirm.style).toBe('danger');
    expect(validateBlockKit('message', inMessage(token()))).toEqual([]);
  });

  test('the confirm dialog stays within Slack limits for the longest names and owners', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 64 }),
        fc.string({ minLength: 1, maxLength: 254 }),
        fc.option(fc.string({ maxLength: 2000 })),
        (name, email, display) => {
          const t = token({ name, owner: { id: 'u', email, name: display } });
          const confirm = revokeButton(t).confirm!;
          expect(confirm.title!.text.length).toBeLessThanOrEqual(100);
          expect(confirm.text.text.length).toBeLessThanOrEqual(300);
          expect(confirm.confirm!.text.length).toBeLessThanOrEqual(30);
          expect(confirm.deny!.text.length).toBeLessThanOrEqual(30);
          expect(validateBlockKit('message', inMessage(t))).toEqual([]);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('revoke result texts', () => {
  test('a revoke names the token and its owner', () => {
    expect(revokedText(token())).toBe(
      ':no_entry: Revoked *CI deploys* (`AbCdEfGhIjKl`) of Olive Owner (olive@example.com). It no longer works anywhere.',
    );
  });

  test('an earlier revoke says when and by whom, in a Slack date', () => {
    const at = new Date('2026-06-02T09:30:00Z');
    const text = alreadyRevokedText(token({ status: 'revoked', revokedAt: at }), {
      at,
      by: { email: 'ada@example.com', name: 'Ada Admin' },
      reason: 'manual',
    });
    expect(text).toBe(
      '*CI deploys* (`AbCdEfGhIjKl`) was already revoked on ' +
        '<!date^1780392600^{date_short_pretty} {time}|Jun 2, 2026 09:30 UTC> by Ada Admin (ada@example.com). Nothing changed.',
    );
  });

  test('a revoke without a person behind it (the operator, offboarding) says so with its reason', () => {
    const at = new Date('2026-06-02T09:30:00Z');
    const text = alreadyRevokedText(token({ status: 'revoked', revokedAt: at }), {
      at,
      by: null,
      reason: 'offboarding',
    });
    expect(text).toContain('by an operator (reason: offboarding)');
  });
});
