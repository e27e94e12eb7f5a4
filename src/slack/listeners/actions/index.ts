import type { App } from '@slack/bolt';
import type { SlackDeps } from '../../deps.ts';
import { ACTION } from '../../ids.ts';
import { dismissToken } from './dismiss-token.ts';
import { openGenerate } from './open-generate.ts';
import { registerPage } from './page.ts';
import { requestRenewal } from './request-renewal.ts';
import { registerRevokeToken } from './revoke-token.ts';
import { registerViewTokens } from './view-tokens.ts';

export const registerActions = (app: App, deps: SlackDeps): void => {
  app.action(ACTION.dismissToken, dismissToken(deps));
  app.action(ACTION.openGenerate, openGenerate(deps));
  app.action(ACTION.requestRenewal, requestRenewal(deps));
  registerRevokeToken(app, deps);
  registerViewTokens(app, deps);
  registerPage(app, deps);
};
