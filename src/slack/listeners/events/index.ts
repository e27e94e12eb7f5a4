import type { App } from '@slack/bolt';
import type { SlackDeps } from '../../deps.ts';
import { registerAppHomeOpened } from './app-home-opened.ts';
import { registerUserChange } from './user-change.ts';

export const registerEvents = (app: App, deps: SlackDeps): void => {
  registerAppHomeOpened(app, deps);
  registerUserChange(app, deps);
};
