import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { OPERATOR } from '../../src/shared/actor.ts';
import { type Harness, startHarness } from '../support/app-harness.ts';
import { makeServices } from '../support/services.ts';
import { getTestDatabase } from '../support/test-database.ts';
import {
  addPeople,
  deliveredToken,
  openModal,
  settle,
  submitModal,
  successfulEphemerals,
} from './generate-support.ts';

const tokenCount = async (h: Harness) =>
  (await h.services.tokens.list(OPERATOR, { limit: 10, offset: 0 })).total;

describe('idempotency claims', () => {
  test('the first claim of a key wins and every later one loses', async () => {
    const services = makeServices(await getTestDatabase());
    expect(await services.idempotency.claim('slack-view:T1:V1')).toBe(true);
    expect(await services.idempotency.claim('slack-view:T1:V1')).toBe(false);
    expect(await services.idempotency.claim('slack-view:T1:V2')).toBe(true);
  });

  test('concurrent claims of one key have exactly one winner', async () => {
    const services = makeServices(await getTestDatabase());
    const results = await Promise.all(Array.from({ length: 8 }, () => services.idempotency.claim('k')));
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  test('empty and oversized keys are refused rather than stored', async () => {
    const services = makeServices(await getTestDatabase());
    await expect(services.idempotency.claim('')).rejects.toThrow(RangeError);
    await expect(services.idempotency.claim('k'.repeat(201))).rejects.toThrow(RangeError);
  });
});

describe('a generate view submitted more than once', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
    await addPeople(h);
  });
  afterEach(async () => h.close());

  test('a repeated submission of the same view is acknowledged and makes no second token or message', async () => {
    const modal = await openModal(h);
    expect((await submitModal(h, modal)).status).toBe(200);
    await deliveredToken(h);
    const again = await submitModal(h, modal);
    expect(again.status).toBe(200);
    expect(again.json).toBeUndefined();
    await h.waitFor(() => h.logs.some((l) => l.includes('repeated generate submission ignored')));
    await settle();
    expect(await tokenCount(h)).toBe(1);
    expect(h.fake.callsTo('chat.postEphemeral')).toHaveLength(1);
  });

  test('simultaneous submissions of the same view (a double click, a retry) make exactly one token', async () => {
    const modal = await openModal(h);
    const answers = await Promise.all([submitModal(h, modal), submitModal(h, modal), submitModal(h, modal)]);
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
    await deliveredToken(h);
    await settle(500);
    expect(await tokenCount(h)).toBe(1);
    expect(successfulEphemerals(h)).toHaveLength(1);
  });

  test('two different views each make their own token', async () => {
    await submitModal(h, await openModal(h));
    await submitModal(h, await openModal(h));
    await h.waitFor(() => successfulEphemerals(h).length === 2);
    expect(await tokenCount(h)).toBe(2);
  });
});
