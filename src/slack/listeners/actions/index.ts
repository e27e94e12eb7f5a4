import type { App } from '@slack/bolt';
import type { SlackDeps } from '../../deps.ts';

export const registerActions = (_app: App, _deps: SlackDeps): void => {};
