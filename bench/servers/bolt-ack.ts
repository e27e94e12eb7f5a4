/** Baseline: a Bolt app (same HTTPReceiver) whose slash-command handler only acks. */
import { App, HTTPReceiver, LogLevel } from '@slack/bolt';
import { startSlackFake } from '../../test/support/slack-fake.ts';

const fake = await startSlackFake();
const receiver = new HTTPReceiver({
  signingSecret: process.env.BENCH_SIGNING_SECRET ?? '',
  logLevel: LogLevel.ERROR,
});
const app = new App({
  token: fake.botToken,
  receiver,
  logLevel: LogLevel.ERROR,
  clientOptions: { slackApiUrl: fake.url },
});
app.command('/apitoken', async ({ ack }) => {
  await ack();
});
const server = await receiver.start(0);
const address = server.address();
process.stdout.write(
  `${JSON.stringify({ port: typeof address === 'object' && address ? address.port : 0 })}\n`,
);
