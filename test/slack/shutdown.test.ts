/**
 * Slack is answered at the ack, and the real work goes on afterwards: a shutdown (SIGTERM,
 * or a test closing its instance) must wait for that work instead of cutting it off.
 */
import { describe, expect, test } from 'vitest';
import { startHarness } from '../support/app-harness.ts';
import { addPeople, openModal, submitModal, successfulEphemerals, tokensIn } from './generate-support.ts';

describe('stopping an instance', () => {
  test('waits for a generate that is still delivering its token after the ack', async () => {
    const h = await startHarness();
    await addPeople(h);
    const modal = await openModal(h);
    h.fake.failNext('chat.postEphemeral', { delayMs: 700 });
    const res = await submitModal(h, modal, { name: 'Late delivery' });
    expect(res.status).toBe(200);
    // The submission is acked; generating and delivering are still under way.
    expect(successfulEphemerals(h)).toEqual([]);

    await h.close();
    // By the time close() resolves, Slack has accepted the ephemeral: the token was shown, and
    // was not revoked as undelivered by a delivery cut off half-way.
    expect(h.logs.some((l) => l.includes('token delivered'))).toBe(true);
    expect(h.logs.some((l) => l.includes('could not be delivered'))).toBe(false);
    const [token] = tokensIn(successfulEphemerals(h)[0]!);
    expect((await h.services.tokens.verify(token!)).ok).toBe(true);
    expect(h.logs.some((l) => l.includes('still running'))).toBe(false);
  });
});
