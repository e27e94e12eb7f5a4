import type { App } from '@slack/bolt';
import type { SlackDeps } from '../../deps.ts';

export const registerViews = (_app: App, _deps: SlackDeps): void => {};
