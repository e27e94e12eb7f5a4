import type { App } from '@slack/bolt';
import type { SlackDeps } from '../../deps.ts';
import { CALLBACK } from '../../ids.ts';
import { generateSubmission } from './generate-submission.ts';

export const registerViews = (app: App, deps: SlackDeps): void => {
  app.view(CALLBACK.generateModal, generateSubmission(deps));
};
