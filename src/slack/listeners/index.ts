import type { App } from '@slack/bolt';
import type { SlackDeps } from '../deps.ts';
import { registerActions } from './actions/index.ts';
import { registerCommands } from './commands/index.ts';
import { registerEvents } from './events/index.ts';
import { registerViews } from './views/index.ts';

export const registerListeners = (app: App, deps: SlackDeps): void => {
  registerCommands(app, deps);
  registerActions(app, deps);
  registerViews(app, deps);
  registerEvents(app, deps);
};
