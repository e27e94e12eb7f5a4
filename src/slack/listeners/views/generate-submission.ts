/**
 * The generate modal's submission. Before the ack: only what can be answered inside the
 * modal (pure checks, then one users.info and one read about the chosen owner), so the
 * admin can fix it in place. After the ack: claim the view id (a repeated submission
 * must never make a second token), re-check the submitter is an admin now, generate,
 * and hand the token to the admin in one ephemeral, revoking it if that is impossible.
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
import { fetchSlackProfile, identify } from '../../identity.ts';
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

/** Slack waits three seconds for the ack; a slow users.info must not eat all of them. */
export const OWNER_LOOKUP_BUDGET_MS = 1500;

const OWNER_REFUSALS: Record<Exclude<SlackResolution, { ok: true }>['reason'], string> = {
  bot: 'Tokens are for people; this is a bot or an app.',
  deleted: "This person's Slack account is deactivated.",
  no_email:
    "Tokendesk cannot read this person's e-mail address in Slack, so it cannot tell which account is theirs.",
  deactivated: "This person's Tokendesk account is deactivated.",
};

const withDeadline = <T>(promise: Promise<T>, ms: number): Promise<T> =>
  new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(Object.assign(new Error('deadline'), { code: 'deadline' })), ms);
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

/** The owner checks that need Slack or the database, still answered inside the modal. */
const checkOwner = async (
  deps: SlackDeps,
  client: WebClient,
  teamId: string,
  slackUserId: string,
): Promise<{ ok: true; profile: SlackProfile } | { ok: false; error: string }> => {
  let profile: SlackProfile;
  try {
    profile = await withDeadline(fetchSlackProfile(client, slackUserId), OWNER_LOOKUP_BUDGET_MS);
  } catch (error) {
    deps.logger.warn('users.info failed for a token owner', { error: slackErrorCode(error) });
    return {
      ok: false,
      error: 'Tokendesk could not look this person up in Slack just now. Please try again.',
    };
  }
  if (profile.isBot) return { ok: false, error: OWNER_REFUSALS.bot };
  if (profile.deleted) return { ok: false, error: OWNER_REFUSALS.deleted };
  const known = await deps.services.users.findUserBySlackIdentity(teamId, slackUserId);
  if (known?.deactivatedAt) return { ok: false, error: OWNER_REFUSALS.deactivated };
  if (!known && !profile.email) return { ok: false, error: OWNER_REFUSALS.no_email };
  return { ok: true, profile };
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
    const owner = await checkOwner(deps, client, teamId, reading.request.ownerSlackUserId).catch(
      (error: unknown) => {
        deps.logger.error('owner check failed', error);
        return { ok: false as const, error: 'Tokendesk is temporarily unavailable. Please try again.' };
      },
    );
    if (!owner.ok) {
      const errors: BlockErrors = { [BLOCK.owner]: owner.error };
      await ack({ response_action: 'errors', errors });
      return;
    }
    await ack();

    const target: DeliveryTarget = {
      slackUserId: body.user.id,
      origin: decodeGenerateMetadata(view.private_metadata),
    };
    const tell = (message: SlackMessage) => notifyUser(client, deps.logger, target, message);
    try {
      if (!(await deps.services.idempotency.claim(`slack-view:${teamId}:${view.id}`))) {
        deps.logger.debug('repeated generate submission ignored', { viewId: view.id });
        return;
      }
      await generateAndDeliver(deps, client, {
        body: body as unknown as Record<string, unknown>,
        teamId,
        request: reading.request,
        profile: owner.profile,
        target,
        tell,
      });
    } catch (error) {
      if (!isExpected(error)) deps.logger.error('generate submission failed', error);
      await tell(noticeMessage(errorText(error)));
    }
  };

interface GenerateContext {
  body: Record<string, unknown>;
  teamId: string;
  request: GenerateRequest;
  profile: SlackProfile;
  target: DeliveryTarget;
  tell: (message: SlackMessage) => Promise<boolean>;
}

const generateAndDeliver = async (deps: SlackDeps, client: WebClient, ctx: GenerateContext) => {
  const { services, logger } = deps;
  const who = await identify(ctx.body, client, services.users);
  if (!who.ok) {
    await ctx.tell(noticeMessage(who.message));
    return;
  }
  // Before the owner is provisioned: a demoted admin's open modal must change nothing.
  await services.users.requireAdmin(who.actor, 'tokens.generate');
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
  await deps.refreshHomes([owner.id, who.user.id]).catch((error: unknown) => {
    logger.warn('could not refresh App Homes after a generate', error);
  });
};
