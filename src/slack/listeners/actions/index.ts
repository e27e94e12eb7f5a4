import type { App } from '@slack/bolt';
import type { SlackDeps } from '../../deps.ts';
import { ACTION } from '../../ids.ts';
import { requestRenewal } from './request-renewal.ts';

export const registerActions = (app: App, deps: SlackDeps): void => {
  app.action(ACTION.requestRenewal, requestRenewal(deps));
};
