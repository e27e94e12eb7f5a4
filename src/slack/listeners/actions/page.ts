/**
 * Next/Previous on any list, and what the other list listeners share: loading a page for a
 * cursor through the use-cases (which re-check authorization every time) and answering on the
 * surface the click came from — a message (through its response_url), a modal, or the Home.
 */
import type { App, BlockAction, ButtonAction, RespondFn } from '@slack/bolt';
import type { KnownBlock } from '@slack/types';
import type { WebClient } from '@slack/web-api';
import type { Actor } from '../../../shared/actor.ts';
import type { SlackDeps } from '../../deps.ts';
import { errorText, isExpected } from '../../error-text.ts';
import { publishHome } from '../../home-publisher.ts';
import { type Identified, identify } from '../../identity.ts';
import { ACTION } from '../../ids.ts';
import { AUDIT_PER_PAGE, type AuditPage, type AuditRow, auditListMessage } from '../../views/audit-list.ts';
import { homeState } from '../../views/home.ts';
import { type Cursor, decodeCursor } from '../../views/paging.ts';
import {
  revokeCardMessage,
  TOKENS_PER_PAGE,
  type TokenPage,
  tokenListMessage,
  tokenListModal,
} from '../../views/token-list.ts';
import { USERS_PER_PAGE, type UsersPage, usersListMessage } from '../../views/users-list.ts';

export type Who = Extract<Identified, { ok: true }>;
export type Rendered = { text: string; blocks: KnownBlock[] };

// ----- loading pages -----

export const loadTokenPage = async (deps: SlackDeps, who: Who, ownerId: string, offset: number) => {
  const { items, total } = await deps.services.tokens.list(who.actor, {
    ownerId,
    limit: TOKENS_PER_PAGE,
    offset,
  });
  const owner = await deps.services.users.getUser(ownerId);
  return {
    owner: { id: owner.id, email: owner.email, name: owner.displayName },
    isSelf: owner.id === who.user.id,
    items,
    total,
    offset,
  } satisfies TokenPage;
};

export const loadUsersPage = async (deps: SlackDeps, actor: Actor, offset: number): Promise<UsersPage> => {
  const { items, total } = await deps.services.users.listUsers(actor, { limit: USERS_PER_PAGE, offset });
  return { items, total, offset };
};

export const loadAuditPage = async (
  deps: SlackDeps,
  actor: Actor,
  cursor: Extract<Cursor, { k: 'audit' }>,
): Promise<AuditPage> => {
  // One extra row says whether an older page exists.
  const events = await deps.services.audit.list(actor, {
    limit: AUDIT_PER_PAGE + 1,
    beforeId: cursor.b,
    subjectUserId: cursor.s,
  });
  const ids = [...new Set(events.map((e) => e.subjectUserId).filter((id): id is string => id !== null))];
  const people = new Map(
    await Promise.all(
      ids.map(async (id) => [id, await deps.services.users.getUser(id).catch(() => undefined)] as const),
    ),
  );
  const rows: AuditRow[] = events.slice(0, AUDIT_PER_PAGE).map((e) => ({
    id: e.id,
    at: e.at,
    actorLabel: e.actorLabel,
    action: e.action,
    subject: (e.subjectUserId && people.get(e.subjectUserId)) || null,
    tokenId: e.tokenId,
    details: e.details,
  }));
  const about = cursor.s
    ? (people.get(cursor.s) ?? (await deps.services.users.getUser(cursor.s)))
    : undefined;
  return { rows, cursor, hasOlder: events.length > AUDIT_PER_PAGE, about };
};

/** A message for any message cursor (not the Home's). */
export const renderMessage = async (
  deps: SlackDeps,
  who: Who,
  cursor: Exclude<Cursor, { k: 'home' }>,
  notice?: string,
): Promise<Rendered> => {
  switch (cursor.k) {
    case 'tokens':
      return tokenListMessage(await loadTokenPage(deps, who, cursor.o, cursor.p), notice);
    case 'token':
      return revokeCardMessage(await deps.services.tokens.get(who.actor, cursor.id), notice);
    case 'users':
      return usersListMessage(await loadUsersPage(deps, who.actor, cursor.p));
    case 'audit':
      return auditListMessage(await loadAuditPage(deps, who.actor, cursor));
  }
};

// ----- surfaces -----

/** Where a click came from, which decides how to answer it. */
export type Surface =
  | { kind: 'message'; respond: RespondFn }
  | { kind: 'modal'; viewId: string; privateMetadata: string }
  | { kind: 'home'; privateMetadata: string };

const surfaceOf = (body: BlockAction, respond: RespondFn | undefined): Surface => {
  if (body.view?.type === 'home') return { kind: 'home', privateMetadata: body.view.private_metadata ?? '' };
  if (body.view?.type === 'modal') {
    return { kind: 'modal', viewId: body.view.id, privateMetadata: body.view.private_metadata ?? '' };
  }
  const fallback: RespondFn = async () => {
    throw new Error('no response_url on this interaction');
  };
  return { kind: 'message', respond: respond ?? fallback };
};

/** The Home page the reader was on, from the Home's private_metadata. */
export const homeStateOf = (privateMetadata: string) => {
  const cursor = decodeCursor(privateMetadata);
  return cursor?.k === 'home' ? cursor : homeState();
};

/**
 * Tells the person something without losing what they were looking at: a new ephemeral
 * under a message, a notice on top of their Home, or the text in place of a modal's content.
 */
const tell = async (
  deps: SlackDeps,
  client: WebClient,
  surface: Surface,
  who: Who | undefined,
  slackUserId: string,
  text: string,
): Promise<void> => {
  if (surface.kind === 'message') {
    await surface.respond({ response_type: 'ephemeral', replace_original: false, text });
  } else if (surface.kind === 'home' && who) {
    await publishHome({ ...deps, client }, who, homeStateOf(surface.privateMetadata), text);
  } else if (surface.kind === 'home') {
    await client.views.publish({
      user_id: slackUserId,
      view: { type: 'home', blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] },
    });
  } else {
    await client.views.update({
      view_id: surface.viewId,
      view: {
        type: 'modal',
        title: { type: 'plain_text', text: 'Tokendesk' },
        close: { type: 'plain_text', text: 'Close' },
        blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }],
      },
    });
  }
};

/** The common failure path of every list action: log incidents, tell the person in words. */
const failInteraction = async (
  deps: SlackDeps,
  client: WebClient,
  surface: Surface,
  who: Who | undefined,
  slackUserId: string,
  what: string,
  error: unknown,
): Promise<void> => {
  if (!isExpected(error)) deps.logger.error(`${what} failed`, error);
  await tell(deps, client, surface, who, slackUserId, errorText(error)).catch((e: unknown) =>
    deps.logger.warn('could not tell the user about a failure', e),
  );
};

export const EXPIRED_BUTTON = 'That button no longer works. Run the command again for a fresh list.';

// ----- the Page buttons -----

/** What a list action's own work gets: the click, where it came from, and who made it. */
export interface ListActionContext {
  body: BlockAction<ButtonAction>;
  client: WebClient;
  surface: Surface;
  who: Who;
  /** Answers on the surface the click came from. */
  tell: (text: string) => Promise<void>;
}

/**
 * The frame every list action shares: ack, identify the clicker (telling them when Tokendesk
 * cannot act for them), run the action's own work, and turn a failure into words.
 */
export const listAction =
  (deps: SlackDeps, what: string, run: (ctx: ListActionContext) => Promise<void>) =>
  async ({
    ack,
    body,
    client,
    respond,
  }: {
    ack: () => Promise<void>;
    body: BlockAction<ButtonAction>;
    client: WebClient;
    respond?: RespondFn;
  }): Promise<void> => {
    await ack();
    const surface = surfaceOf(body, respond);
    let who: Who | undefined;
    try {
      const identified = await identify(
        body as unknown as Record<string, unknown>,
        client,
        deps.services.users,
      );
      if (!identified.ok) {
        await tell(deps, client, surface, undefined, body.user.id, identified.message);
        return;
      }
      const known = identified;
      who = known;
      await run({
        body,
        client,
        surface,
        who: known,
        tell: (text) => tell(deps, client, surface, known, body.user.id, text),
      });
    } catch (error) {
      await failInteraction(deps, client, surface, who, body.user.id, what, error);
    }
  };

export const registerPage = (app: App, deps: SlackDeps): void => {
  const onPage = listAction(deps, 'paging', async ({ body, client, surface, who, tell }) => {
    const cursor = decodeCursor(body.actions[0]?.value);
    if (!cursor) {
      await tell(EXPIRED_BUTTON);
      return;
    }
    if (surface.kind === 'home' && cursor.k === 'home') {
      await publishHome({ ...deps, client }, who, cursor);
    } else if (surface.kind === 'modal' && cursor.k === 'tokens') {
      const page = await loadTokenPage(deps, who, cursor.o, cursor.p);
      await client.views.update({ view_id: surface.viewId, view: tokenListModal(page) });
    } else if (surface.kind === 'message' && cursor.k !== 'home') {
      await surface.respond({ replace_original: true, ...(await renderMessage(deps, who, cursor)) });
    } else {
      await tell(EXPIRED_BUTTON);
    }
  });
  app.action<BlockAction<ButtonAction>>(ACTION.page, onPage);
  app.action<BlockAction<ButtonAction>>(ACTION.pagePrevious, onPage);
};
