import type { WebClient } from '@slack/web-api';
import type { SlackDeps } from './deps.ts';

/** Publishes the App Home of every Slack identity linked to the given users. */
export const createHomePublisher =
  (_deps: Omit<SlackDeps, 'refreshHomes'> & { client: WebClient }) =>
  async (_userIds: string[]): Promise<void> => {};
