/**
 * Socket Mode end to end: the app opens its connection through SLACK_API_URL with the
 * app-level token, the fake (playing Slack's WebSocket end) says hello and sends envelopes
 * the way Slack does, and the app acknowledges each envelope_id over the socket.
 */
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { BLOCK, CALLBACK } from '../../src/slack/ids.ts';
import { CHANNEL_ID, type Harness, startHarness } from '../support/app-harness.ts';
import { FAKE_TEAM_ID, type SlackFake, startSlackFake } from '../support/slack-fake.ts';
import { interactivePayload, slashCommandPayload, viewSubmissionBody } from '../support/slack-requests.ts';
import { ADMIN, modalValues } from './generate-support.ts';

describe('Socket Mode', () => {
  let fake: SlackFake;
  let h: Harness;
  beforeEach(async () => {
    fake = await startSlackFake();
    h = await startHarness({ fake, env: { SLACK_APP_TOKEN: fake.appToken } });
    await h.person({ id: ADMIN, email: 'admin@example.com' }, 'admin');
  });
  afterEach(async () => {
    await h.close();
    await fake.close();
  });

  const command = (text: string) => {
    const responseUrl = fake.responseUrl();
    const triggerId = fake.issueTriggerId();
    const payload = slashCommandPayload({
      text,
      userId: ADMIN,
      teamId: FAKE_TEAM_ID,
      channelId: CHANNEL_ID,
      triggerId,
      responseUrl,
    });
    return { envelopeId: fake.sendEnvelope('slash_commands', payload), responseUrl, triggerId };
  };

  test('connects through SLACK_API_URL with the app token; a slash command envelope is acked and answered', async () => {
    const opened = fake.callsTo('apps.connections.open');
    // The fake answers not_allowed_token_type to the bot token and invalid_auth to anything else.
    expect(opened).toHaveLength(1);
    expect(opened[0]?.error).toBeUndefined();
    expect(fake.openSockets()).toBe(1);

    const { envelopeId, responseUrl } = command('help');
    const ack = await h.waitFor(() => fake.socketAcks.find((a) => a.envelope_id === envelopeId));
    expect(ack.payload ?? {}).toEqual({});
    const reply = await h.waitFor(() => fake.callsTo('response_url').find((c) => c.url === responseUrl));
    expect(reply.args.response_type).toBe('ephemeral');
    expect(String(reply.args.text)).toContain('/apitoken generate');
    expect(fake.socketAcks.filter((a) => a.envelope_id === envelopeId)).toHaveLength(1);

    // web-api logged the connection URL at debug; its single-use ticket and the app token were scrubbed.
    expect(h.logs.some((l) => l.includes('/link/?[REDACTED]'))).toBe(true);
    expect(h.logs.filter((l) => /ticket=[0-9a-f]{8}/.test(l))).toEqual([]);
    expect(h.logs.filter((l) => l.includes(fake.appToken))).toEqual([]);
  });

  test('generate opens the modal with the envelope’s trigger, and a bad submission’s errors travel in the ack', async () => {
    const { envelopeId, triggerId } = command('generate');
    await h.waitFor(() => fake.socketAcks.find((a) => a.envelope_id === envelopeId));
    const open = await h.waitFor(() => fake.callsTo('views.open')[0]);
    expect(open.args.trigger_id).toBe(triggerId);
    expect(open.error).toBeUndefined();

    const submission = interactivePayload(
      viewSubmissionBody({
        userId: ADMIN,
        teamId: FAKE_TEAM_ID,
        callbackId: CALLBACK.generateModal,
        viewId: 'V0SOCKET01',
        privateMetadata: String((open.args.view as { private_metadata: string }).private_metadata),
        values: modalValues({ owner: null }),
      }),
    );
    const submitted = fake.sendEnvelope('interactive', submission);
    const ack = await h.waitFor(() => fake.socketAcks.find((a) => a.envelope_id === submitted));
    expect(ack.payload).toEqual({
      response_action: 'errors',
      errors: { [BLOCK.owner]: 'Choose the person the token is for.' },
    });
  });

  test('the HTTP request URL takes no Slack payloads in Socket Mode', async () => {
    const res = await fetch(`${h.baseUrl}/slack/events`, { method: 'POST', body: 'x' });
    expect(res.status).toBe(404);
  });
});
