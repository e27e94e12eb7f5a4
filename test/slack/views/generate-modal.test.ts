import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { ACTION, BLOCK, CALLBACK } from '../../../src/slack/ids.ts';
import {
  decodeGenerateMetadata,
  encodeGenerateMetadata,
  expiryPresets,
  generateModal,
  generateRefusalModal,
  readGenerateSubmission,
  type StateValues,
} from '../../../src/slack/views/generate-modal.ts';
import { validateBlockKit } from '../../support/slack-fake.ts';

const POLICY = { defaultDays: 90, maxDays: 365 };
const NOW = new Date('2026-06-01T12:00:00Z');

type Json = Record<string, unknown>;
const blockOf = (view: unknown, blockId: string) =>
  ((view as Json).blocks as Json[]).find((b) => b.block_id === blockId) as Json & { element: Json };

/** Slack's `state.values` for this modal; unset fields arrive as null, as Slack sends them. */
const values = (v: { owner?: string; name?: string; preset?: string; date?: string }): StateValues => ({
  [BLOCK.owner]: { [ACTION.ownerSelect]: { type: 'users_select', selected_user: v.owner ?? null } },
  [BLOCK.name]: { [ACTION.nameInput]: { type: 'plain_text_input', value: v.name ?? null } },
  [BLOCK.expiryPreset]: {
    [ACTION.expiryPreset]: {
      type: 'static_select',
      selected_option: v.preset === undefined ? null : { value: v.preset },
    },
  },
  [BLOCK.expiryDate]: { [ACTION.expiryDate]: { type: 'datepicker', selected_date: v.date ?? null } },
});

describe('the generate modal', () => {
  test('passes Slack Block Kit checks for every sensible policy', () => {
    for (const policy of [POLICY, { defaultDays: 1, maxDays: 1 }, { defaultDays: 45, maxDays: 3650 }]) {
      for (const origin of [
        { kind: 'home' as const },
        { kind: 'channel' as const, channelId: 'C0GENERAL1' },
      ]) {
        const view = generateModal({ policy, origin, initialSlackUserId: 'U0OWNER001' });
        expect(validateBlockKit('modal', view)).toEqual([]);
      }
    }
  });

  test('keeps its title, submit and close labels within 24 characters', () => {
    const view = generateModal({ policy: POLICY, origin: { kind: 'home' } });
    expect(view.callback_id).toBe(CALLBACK.generateModal);
    for (const label of [view.title, view.submit, view.close]) {
      expect(label?.text.length).toBeGreaterThan(0);
      expect(label?.text.length).toBeLessThanOrEqual(24);
    }
  });

  test('offers only the presets within the maximum lifetime and preselects the default', () => {
    const view = generateModal({
      policy: { defaultDays: 30, maxDays: 90 },
      origin: { kind: 'home' },
    });
    const select = blockOf(view, BLOCK.expiryPreset).element as Json & { options: { value: string }[] };
    expect(select.options.map((o) => o.value)).toEqual(['7', '30', '60', '90']);
    expect((select.initial_option as { value: string }).value).toBe('30');
  });

  test('still offers and preselects a default lifetime that is not one of the presets', () => {
    expect(expiryPresets({ defaultDays: 45, maxDays: 100 })).toEqual([7, 30, 45, 60, 90]);
    expect(expiryPresets({ defaultDays: 3, maxDays: 5 })).toEqual([3]);
    const view = generateModal({
      policy: { defaultDays: 45, maxDays: 100 },
      origin: { kind: 'home' },
    });
    const select = blockOf(view, BLOCK.expiryPreset).element;
    expect((select.initial_option as { value: string }).value).toBe('45');
  });

  test('prefills the owner picker only when an owner is given', () => {
    const prefilled = generateModal({
      policy: POLICY,
      origin: { kind: 'home' },
      initialSlackUserId: 'U0OWNER001',
    });
    expect(blockOf(prefilled, BLOCK.owner).element.initial_user).toBe('U0OWNER001');
    const blank = generateModal({ policy: POLICY, origin: { kind: 'home' } });
    expect(blockOf(blank, BLOCK.owner).element).not.toHaveProperty('initial_user');
  });

  test('caps the name input at 64 characters and marks name and date optional', () => {
    const view = generateModal({ policy: POLICY, origin: { kind: 'home' } });
    expect(blockOf(view, BLOCK.name).element.max_length).toBe(64);
    expect(blockOf(view, BLOCK.name).optional).toBe(true);
    expect(blockOf(view, BLOCK.expiryDate).optional).toBe(true);
    expect(blockOf(view, BLOCK.owner).optional).not.toBe(true);
  });

  test('carries its origin in private_metadata and reads it back', () => {
    const channel = { kind: 'channel' as const, channelId: 'C0GENERAL1' };
    const view = generateModal({ policy: POLICY, origin: channel });
    expect(JSON.parse(view.private_metadata ?? '')).toEqual({ origin: 'C0GENERAL1' });
    expect(decodeGenerateMetadata(view.private_metadata)).toEqual(channel);
    expect(decodeGenerateMetadata(encodeGenerateMetadata({ kind: 'home' }))).toEqual({ kind: 'home' });
  });

  test('treats unreadable private_metadata as an App Home origin', () => {
    for (const raw of [undefined, '', 'not json', '{"origin":42}', '{"origin":"<!channel>"}', 'null']) {
      expect(decodeGenerateMetadata(raw)).toEqual({ kind: 'home' });
    }
  });
});

describe('reading a generate submission', () => {
  const read = (v: Parameters<typeof values>[0]) => readGenerateSubmission(values(v), NOW, POLICY);

  test('a complete submission becomes a request with the preset lifetime', () => {
    const reading = read({ owner: 'U0OWNER001', name: '  CI   deploys ', preset: '30' });
    expect(reading).toEqual({
      ok: true,
      request: {
        ownerSlackUserId: 'U0OWNER001',
        name: 'CI deploys',
        expiry: { inDays: 30 },
        expiresAt: new Date('2026-07-01T12:00:00Z'),
      },
    });
  });

  test('an empty name becomes "API token"', () => {
    const reading = read({ owner: 'U0OWNER001', preset: '90' });
    expect(reading.ok && reading.request.name).toBe('API token');
  });

  test('a picked date wins over the preset and lasts through that day, UTC', () => {
    const reading = read({ owner: 'U0OWNER001', preset: '7', date: '2026-08-15' });
    expect(reading.ok && reading.request.expiry).toEqual({ onDate: '2026-08-15' });
    expect(reading.ok && reading.request.expiresAt).toEqual(new Date('2026-08-16T00:00:00Z'));
  });

  test('today is a valid date: the token works until midnight UTC', () => {
    const reading = read({ owner: 'U0OWNER001', preset: '7', date: '2026-06-01' });
    expect(reading.ok).toBe(true);
  });

  test('a missing owner is an error on the owner block', () => {
    expect(read({ preset: '30' })).toEqual({
      ok: false,
      errors: { [BLOCK.owner]: 'Choose the person the token is for.' },
    });
  });

  test('a name over 64 characters or with markup is an error on the name block', () => {
    for (const name of ['x'.repeat(65), '<script>', 'bell\u0007']) {
      const reading = read({ owner: 'U0OWNER001', name, preset: '30' });
      expect(reading.ok).toBe(false);
      expect(!reading.ok && reading.errors[BLOCK.name]).toMatch(/at most 64 characters/);
    }
  });

  test('a date in the past is an error on the date block', () => {
    const reading = read({ owner: 'U0OWNER001', preset: '30', date: '2026-05-31' });
    expect(!reading.ok && reading.errors).toEqual({
      [BLOCK.expiryDate]: 'The expiry must be in the future.',
    });
  });

  test('a date beyond the maximum lifetime is an error on the date block', () => {
    const reading = read({ owner: 'U0OWNER001', preset: '30', date: '2027-06-03' });
    expect(!reading.ok && reading.errors[BLOCK.expiryDate]).toBe('Tokens can live at most 365 days.');
    expect(read({ owner: 'U0OWNER001', preset: '30', date: '2027-06-01' }).ok).toBe(true);
  });

  test('a preset that was never offered is refused, even if it is under the maximum', () => {
    for (const preset of ['9999', '12', '-7', 'abc']) {
      const reading = read({ owner: 'U0OWNER001', preset });
      expect(!reading.ok && reading.errors[BLOCK.expiryPreset]).toBe('Choose one of the listed lifetimes.');
    }
  });

  test('every problem is reported at once, each on its own block', () => {
    const reading = read({ name: 'y'.repeat(100), date: '2020-01-01', preset: '30' });
    expect(!reading.ok && Object.keys(reading.errors).sort()).toEqual(
      [BLOCK.expiryDate, BLOCK.name, BLOCK.owner].sort(),
    );
  });

  test('arbitrary input never throws: it is either a request or errors on known blocks', () => {
    const known = new Set<string>(Object.values(BLOCK));
    fc.assert(
      fc.property(
        fc.option(fc.string(), { nil: undefined }),
        fc.option(fc.string({ maxLength: 100 }), { nil: undefined }),
        fc.option(fc.string(), { nil: undefined }),
        fc.option(fc.string(), { nil: undefined }),
        (owner, name, preset, date) => {
          const reading = read({ owner, name, preset, date });
          if (reading.ok) {
            expect(reading.request.name.length).toBeLessThanOrEqual(64);
            expect(reading.request.expiresAt.getTime()).toBeGreaterThan(NOW.getTime());
          } else {
            for (const key of Object.keys(reading.errors)) expect(known.has(key)).toBe(true);
          }
        },
      ),
    );
  });
});

describe('the refusal that replaces an opened generate modal', () => {
  test('is a valid modal with nothing to submit and says why', () => {
    const view = generateRefusalModal('Only Tokendesk admins can do that. Ask an admin if you need it done.');
    expect(validateBlockKit('modal', view)).toEqual([]);
    expect(view).not.toHaveProperty('submit');
    expect(view).not.toHaveProperty('callback_id');
    expect(view.blocks.some((b) => b.type === 'input')).toBe(false);
    expect(JSON.stringify(view.blocks)).toContain('Ask an admin');
  });

  test('keeps an over-long reason within the section limit', () => {
    expect(validateBlockKit('modal', generateRefusalModal('x'.repeat(5000)))).toEqual([]);
  });
});
