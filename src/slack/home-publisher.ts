/**
 * Publishes App Homes. `createHomePublisher` is `deps.refreshHomes`: after a change, every
 * Slack identity linked to the affected Tokendesk users gets a fresh Home — and, for changes
 * the admin page shows (token counts, expiring tokens, people), every admin's. A failed refresh
 * is logged and swallowed, because the change itself has already happened and the Home is
 * rebuilt again whenever its owner opens it.
 */
import type { WebClient } from '@slack/web-api';
import type { User } from '../db/schema.ts';
import { type Actor, userActor } from '../shared/actor.ts';
import type { RefreshOptions, SlackDeps } from './deps.ts';
import {
  EXPIRING_WINDOW_DAYS,
  HOME_EXPIRING_MAX,
  type HomeData,
  type HomeState,
  homeState,
  homeView,
} from './views/home.ts';
import { TOKENS_PER_PAGE } from './views/token-list.ts';
import { USERS_PER_PAGE } from './views/users-list.ts';

type HomeDeps = Omit<SlackDeps, 'refreshHomes'> & { client: WebClient };

const DAY_MS = 86_400_000;

/** The data of one person's Home: the admin page for admins, their own tokens for everyone else. */
export const loadHome = async (
  deps: Omit<SlackDeps, 'refreshHomes'>,
  user: User,
  actor: Actor,
  state: HomeState,
  notice?: string,
): Promise<HomeData> => {
  if (user.deactivatedAt) return { kind: 'deactivated' };
  const command = deps.config.slashCommand;
  if (user.role === 'admin') {
    const now = deps.clock.now();
    const until = new Date(now.getTime() + EXPIRING_WINDOW_DAYS * DAY_MS);
    const [users, expiring] = await Promise.all([
      deps.services.users.listUsers(actor, { limit: USERS_PER_PAGE, offset: state.u }),
      deps.services.tokens.expiringBetween(actor, now, until, HOME_EXPIRING_MAX + 1),
    ]);
    return { kind: 'admin', command, state, users: { ...users, offset: state.u }, expiring, notice };
  }
  const { items, total } = await deps.services.tokens.list(actor, {
    ownerId: user.id,
    limit: TOKENS_PER_PAGE,
    offset: state.t,
  });
  const owner = { id: user.id, email: user.email, name: user.displayName };
  return {
    kind: 'member',
    command,
    state,
    tokens: { owner, isSelf: true, items, total, offset: state.t },
    notice,
  };
};

/** Publishes the Home of the person behind one Slack identity. */
export const publishHome = async (
  deps: HomeDeps,
  who: { user: User; actor: Actor; sender: { slackUserId: string } },
  state: HomeState = homeState(),
  notice?: string,
): Promise<void> => {
  const data = await loadHome(deps, who.user, who.actor, state, notice);
  await deps.client.views.publish({ user_id: who.sender.slackUserId, view: homeView(data) });
};

/** Admins are few; this bounds the work a single change can cause even if they are not. */
export const MAX_ADMIN_HOMES = 100;
/** Homes published at once: views.publish is rate-limited per workspace. */
export const HOME_REFRESH_CONCURRENCY = 4;

const forEachLimited = async <T>(items: T[], limit: number, run: (item: T) => Promise<void>) => {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next]!;
      next += 1;
      await run(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
};

export const createHomePublisher =
  (deps: HomeDeps) =>
  async (userIds: string[], options: RefreshOptions = {}): Promise<void> => {
    const refreshOne = async (userId: string) => {
      try {
        const identities = await deps.services.users.slackIdentitiesOf(userId);
        if (identities.length === 0) return;
        const user = await deps.services.users.getUser(userId);
        const first = identities[0]!;
        // One Home per person, whichever of their identities asks: build it once, publish it to each.
        const data = await loadHome(
          deps,
          user,
          userActor(user.id, `slack:${first.teamId}/${first.slackUserId}`),
          homeState(),
        );
        const view = homeView(data);
        for (const identity of identities) {
          await deps.client.views.publish({ user_id: identity.slackUserId, view }).catch((error: unknown) => {
            deps.logger.warn('could not publish an App Home', { userId, teamId: identity.teamId }, error);
          });
        }
      } catch (error) {
        deps.logger.warn('could not refresh an App Home', { userId }, error);
      }
    };
    const ids = [...userIds];
    if (options.admins) {
      try {
        ids.push(...(await deps.services.users.activeAdminIds(MAX_ADMIN_HOMES)));
      } catch (error) {
        deps.logger.warn('could not list the admins whose App Homes need a refresh', error);
      }
    }
    await forEachLimited([...new Set(ids)], HOME_REFRESH_CONCURRENCY, refreshOne);
  };
