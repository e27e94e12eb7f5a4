/**
 * `app_home_opened`: publish the reader's Home afresh each time it is opened, so a Home
 * that missed a refresh is never stale for long. Events have no one to answer, so failures
 * are logged; a person Tokendesk cannot act for sees why on the Home itself.
 */
import type { App } from '@slack/bolt';
import type { SlackDeps } from '../../deps.ts';
import { publishHome } from '../../home-publisher.ts';
import { identify } from '../../identity.ts';
import { noticeBlock } from '../../views/paging.ts';
import { homeStateOf } from '../actions/page.ts';

export const registerAppHomeOpened = (app: App, deps: SlackDeps): void => {
  app.event('app_home_opened', async ({ event, body, client }) => {
    if (event.tab !== undefined && event.tab !== 'home') return;
    try {
      const who = await identify(body as unknown as Record<string, unknown>, client, deps.services.users);
      if (!who.ok) {
        await client.views.publish({
          user_id: event.user,
          view: { type: 'home', blocks: [noticeBlock(who.message)] },
        });
        return;
      }
      // Reopening keeps the page the reader was on.
      const state = homeStateOf(event.view?.private_metadata ?? '');
      await publishHome({ ...deps, client }, who, state);
    } catch (error) {
      deps.logger.error('could not publish the App Home', error);
    }
  });
};
