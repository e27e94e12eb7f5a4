/**
 * The generate modal's submission. Before the ack, under one deadline: the pure checks,
 * then who is submitting and whether they are an admin now, and only then the chosen
 * owner (one users.info and one read), so the admin can fix it inside the modal while a
 * non-admin's forged submission learns nothing about anyone. After the ack: claim the view
 * id (a repeated submission must never make a second token), generate (the use-case checks
 * the admin once more), and hand the token to the admin in one ephemeral, revoking it if
 * that is impossible.
 */
import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import type { User } from '../../../db/schema.ts';
import type { SlackProfile, SlackResolution } from '../../../users/users.usecases.ts';
import {
  type DeliveryTarget,
  notifyUser,
  postEphemeralWithFallback,
  slackErrorCode,
} from '../../delivery.ts';
import type { SlackDeps } from '../../deps.ts';
import { errorText, isExpected } from '../../error-text.ts';
import { fetchSlackProfile, type Identified, identify } from '../../identity.ts';
import { BLOCK } from '../../ids.ts';
import {
  type BlockErrors,
  decodeGenerateMetadata,
  type GenerateRequest,
  readGenerateSubmission,
  type StateValues,
} from '../../views/generate-modal.ts';
import {
  noticeMessage,
  type SlackMessage,
  tokenDeliveryMessage,
  undeliveredMessage,
} from '../../views/token-delivery.ts';

type Args = SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs;
type Who = Extract<Identified, { ok: true }>;

/** Slack waits three seconds for the ack; everything before it must be done well within them. */
export const PRE_ACK_BUDGET_MS = 2000;

const OWNER_REFUSALS: Record<Exclude<SlackResolution, { ok: true }>['reason'], string> = {
  bot: 'Tokens are for people; this is a bot or an app.',
  deleted: "This person's Slack account is deactivated.",
  no_email:
    "Tokendesk cannot read this person's e-mail address in Slack, so it cannot tell which account is theirs.",
  deactivated: "This person's Tokendesk account is deactivated.",
};

const LOOKUP_FAILED = 'Tokendesk could not look this person up in Slack just now. Please try again.';
const UNAVAILABLE = 'Tokendesk is temporarily unavailable. Please try again.';

class DeadlineExceeded extends Error {
  readonly code = 'deadline';
}

const withDeadline = <T>(promise: Promise<T>, ms: number): Promise<T> =>
  new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new DeadlineExceeded('deadline')), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });

type Precheck =
  /** Not allowed to generate at all: closed with a notice, nothing about the owner said. */
  | { kind: 'refused'; text: string }
  /** An admin whose choice of owner cannot be used: answered inside the modal. */
  | { kind: 'owner'; error: string }
  | { kind: 'ok'; who: Who; profile: SlackProfile };

/** The pre-ack checks, in the order that leaks nothing: the submitter first, then the owner. */
const precheck = async (
  deps: SlackDeps,
  client: WebClient,
  body: Record<string, unknown>,
  teamId: string,
  ownerSlackUserId: string,
): Promise<Precheck> => {
  let who: Identified;
  try {
    who = await identify(body, client, deps.services.users);
    if (!who.ok) return { kind: 'refused', text: who.message };
    // Audits the refusal. Before the owner is looked up or provisioned: a member's forged
    // view, or a demoted admin's open modal, must change nothing and learn nothing.
    await deps.services.users.requireAdmin(who.actor, 'tokens.generate');
  } catch (error) {
    if (isExpected(error)) return { kind: 'refused', text: errorText(error) };
    throw error;
  }
  let profile: SlackProfile;
  try {
    profile = await fetchSlackProfile(client, ownerSlackUserId);
  } catch (error) {
    deps.logger.warn('users.info failed for a token owner', { error: slackErrorCode(error) });
    return { kind: 'owner', error: LOOKUP_FAILED };
  }
  if (profile.isBot) return { kind: 'owner', error: OWNER_REFUSALS.bot };
  if (profile.deleted) return { kind: 'owner', error: OWNER_REFUSALS.deleted };
  const known = await deps.services.users.findUserBySlackIdentity(teamId, ownerSlackUserId);
  if (known?.deactivatedAt) return { kind: 'owner', error: OWNER_REFUSALS.deactivated };
  if (!known && !profile.email) return { kind: 'owner', error: OWNER_REFUSALS.no_email };
  return { kind: 'ok', who, profile };
};

export const generateSubmission =
  (deps: SlackDeps) =>
  async ({ ack, body, view, client }: Args): Promise<void> => {
    const teamId = body.user.team_id ?? body.team?.id ?? view.team_id;
    const reading = readGenerateSubmission(view.state.values as StateValues, deps.clock.now(), {
      defaultDays: deps.config.tokenDefaultDays,
      maxDays: deps.config.tokenMaxDays,
    });
    if (!reading.ok) {
      await ack({ response_action: 'errors', errors: reading.errors });
      return;
    }
    const raw = body as unknown as Record<string, unknown>;
    const checking = precheck(deps, client, raw, teamId, reading.request.ownerSlackUserId);
    const checked = await withDeadline(checking, PRE_ACK_BUDGET_MS).catch((error: unknown): Precheck => {
      if (error instanceof DeadlineExceeded) {
        deps.logger.warn('generate submission: the checks before the ack ran out of time');
        return { kind: 'owner', error: LOOKUP_FAILED };
      }
      deps.logger.error('generate submission: the checks before the ack failed', error);
      return { kind: 'owner', error: UNAVAILABLE };
    });
    if (checked.kind === 'owner') {
      const errors: BlockErrors = { [BLOCK.owner]: checked.error };
      await ack({ response_action: 'errors', errors });
      // After a deadline the checks are still running; the listener lasts until they end, so a
      // shutdown waits for them too. Their answer is no longer needed.
      await checking.catch(() => undefined);
      return;
    }
    await ack();

    const target: DeliveryTarget = {
      slackUserId: body.user.id,
      origin: decodeGenerateMetadata(view.private_metadata),
    };
    const tell = (message: SlackMessage) => notifyUser(client, deps.logger, target, message);
    if (checked.kind === 'refused') {
      await tell(noticeMessage(checked.text));
      return;
    }
    try {
      if (!(await deps.services.idempotency.claim(`slack-view:${teamId}:${view.id}`))) {
        deps.logger.debug('repeated generate submission ignored', { viewId: view.id });
        return;
      }
      await generateAndDeliver(deps, client, {
        who: checked.who,
        teamId,
        request: reading.request,
        profile: checked.profile,
        target,
        tell,
      });
    } catch (error) {
      if (!isExpected(error)) deps.logger.error('generate submission failed', error);
      await tell(noticeMessage(errorText(error)));
    }
  };

interface GenerateContext {
  who: Who;
  teamId: string;
  request: GenerateRequest;
  profile: SlackProfile;
  target: DeliveryTarget;
  tell: (message: SlackMessage) => Promise<boolean>;
}

const generateAndDeliver = async (deps: SlackDeps, client: WebClient, ctx: GenerateContext) => {
  const { services, logger } = deps;
  const { who } = ctx;
  const resolved = await services.users.resolveSlackUser(
    { teamId: ctx.teamId, slackUserId: ctx.request.ownerSlackUserId, enterpriseId: who.sender.enterpriseId },
    async () => ctx.profile,
  );
  if (!resolved.ok) {
    await ctx.tell(noticeMessage(`Nothing was created. ${OWNER_REFUSALS[resolved.reason]}`));
    return;
  }
  const owner: User = resolved.user;
  const { token, summary } = await services.tokens.generate(who.actor, {
    ownerId: owner.id,
    name: ctx.request.name,
    expiry: ctx.request.expiry,
  });
  logger.info('token generated from Slack', { tokenId: summary.id, ownerId: owner.id, by: who.user.id });

  const delivered = await postEphemeralWithFallback(
    client,
    logger,
    ctx.target,
    tokenDeliveryMessage(token, summary),
  );
  if (delivered.ok) {
    logger.debug('token delivered', { tokenId: summary.id, via: delivered.via });
  } else {
    // A token nobody can see is a token nobody should hold: revoke it before anything else.
    logger.warn('token could not be delivered; revoking it', {
      tokenId: summary.id,
      errors: delivered.errors,
    });
    try {
      await services.tokens.revoke(who.actor, summary.id, 'undelivered');
      await ctx.tell(undeliveredMessage(summary));
    } catch (error) {
      logger.error('an undelivered token could not be revoked', { tokenId: summary.id }, error);
      await ctx.tell(
        noticeMessage(
          `:rotating_light: Tokendesk could not show you the new token and could not revoke it either. Please revoke token \`${summary.id}\` now.`,
        ),
      );
    }
  }
  // Every admin's page shows the owner's active-token count and the expiring tokens.
  await deps.refreshHomes([owner.id, who.user.id], { admins: true }).catch((error: unknown) => {
    logger.warn('could not refresh App Homes after a generate', error);
  });
};
