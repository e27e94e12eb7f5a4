import type { App } from '@slack/bolt';
import type { SlackDeps } from '../../deps.ts';
import { registerUserChange } from './user-change.ts';

export const registerEvents = (app: App, deps: SlackDeps): void => {
  registerUserChange(app, deps);
};
