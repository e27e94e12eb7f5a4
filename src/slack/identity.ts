/**
 * Who sent this Slack payload, as a Tokendesk user. A Slack user is known by (team id,
 * user id); on first sight users.info supplies the e-mail that links or provisions a user.
 * Called by every listener, every time: roles are never cached here.
 */
import type { WebClient } from '@slack/web-api';
import type { User } from '../db/schema.ts';
import { type Actor, userActor } from '../shared/actor.ts';
import type { SlackIdentityKey, SlackProfile, UsersUseCases } from '../users/users.usecases.ts';

export interface SlackSender extends SlackIdentityKey {}

type AnyBody = Record<string, unknown>;

const str = (value: unknown): string | undefined =>
  typeof value === 'string' && value.length > 0 ? value : undefined;
const obj = (value: unknown): AnyBody | undefined =>
  value !== null && typeof value === 'object' ? (value as AnyBody) : undefined;

/**
 * Extracts the sender from any payload shape: slash commands (flat form fields),
 * interactive payloads (`user`, `team`, `enterprise`) and events (`event.user`, `team_id`).
 * In Enterprise Grid org-wide installs `team` can be null; the user's own `team_id` wins.
 */
export const senderOf = (body: AnyBody): SlackSender | undefined => {
  const user = obj(body.user);
  const event = obj(body.event);
  const slackUserId = str(body.user_id) ?? str(user?.id) ?? str(event?.user) ?? str(obj(event?.user)?.id);
  const teamId =
    str(user?.team_id) ?? str(body.team_id) ?? str(obj(body.team)?.id) ?? str(obj(event?.user)?.team_id);
  const enterpriseId = str(body.enterprise_id) ?? str(obj(body.enterprise)?.id) ?? null;
  if (!slackUserId || !teamId) return undefined;
  return { slackUserId, teamId, enterpriseId };
};

export type Identified =
  | { ok: true; user: User; actor: Actor; sender: SlackSender }
  | { ok: false; message: string; sender?: SlackSender };

const REFUSALS = {
  bot: 'Tokendesk works for people, not bots.',
  deleted: 'Your Slack account is deactivated, so Tokendesk cannot act for you.',
  no_email:
    'Tokendesk could not read an e-mail address on your Slack profile, so it cannot tell which account is yours. Ask a workspace admin.',
  deactivated: 'Your Tokendesk account is deactivated. Ask a Tokendesk admin if this is a mistake.',
  unknown: 'Tokendesk could not tell who sent this request.',
} as const;

export const fetchSlackProfile = async (client: WebClient, slackUserId: string): Promise<SlackProfile> => {
  const result = await client.users.info({ user: slackUserId });
  const u = result.user;
  return {
    email: u?.profile?.email,
    name: u?.real_name || u?.profile?.real_name || u?.name,
    isBot: Boolean(u?.is_bot) || slackUserId === 'USLACKBOT',
    deleted: Boolean(u?.deleted),
  };
};

export const identify = async (
  body: AnyBody,
  client: WebClient,
  users: UsersUseCases,
): Promise<Identified> => {
  const sender = senderOf(body);
  if (!sender) return { ok: false, message: REFUSALS.unknown };
  const resolution = await users.resolveSlackUser(sender, () =>
    fetchSlackProfile(client, sender.slackUserId),
  );
  if (!resolution.ok) return { ok: false, message: REFUSALS[resolution.reason], sender };
  return {
    ok: true,
    user: resolution.user,
    actor: userActor(resolution.user.id, `slack:${sender.teamId}/${sender.slackUserId}`),
    sender,
  };
};
