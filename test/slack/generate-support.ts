/**
 * Shared steps for the generate-flow end-to-end tests: people, the Slack-shaped
 * `state.values` of the modal, and "open the modal, then submit it".
 */
import { randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import { ACTION, BLOCK, CALLBACK } from '../../src/slack/ids.ts';
import type { Harness } from '../support/app-harness.ts';
import { type RecordedCall, validateBlockKit } from '../support/slack-fake.ts';

export const ADMIN = 'U0ADMIN001';
export const OTHER_ADMIN = 'U0ADMIN002';
export const MEMBER = 'U0MEMBER01';
export const OWNER = 'U0OWNER001';
export const TOKEN_PATTERN = /tdk_[A-Za-z0-9]{40}/g;

export const addPeople = async (h: Harness) => {
  await h.person({ id: ADMIN, email: 'admin@example.com', realName: 'Ada Admin' }, 'admin');
  await h.person({ id: MEMBER, email: 'member@example.com', realName: 'Mo Member' });
  await h.person({ id: OWNER, email: 'olive@example.com', realName: 'Olive Owner' });
};

export interface ModalInput {
  owner?: string | null;
  name?: string | null;
  preset?: string | null;
  date?: string | null;
}

/** `view.state.values` exactly as Slack sends it: unset inputs are null, selects carry their option. */
export const modalValues = (input: ModalInput = {}) => {
  const preset = input.preset === undefined ? '90' : input.preset;
  return {
    [BLOCK.owner]: {
      [ACTION.ownerSelect]: {
        type: 'users_select',
        selected_user: input.owner === undefined ? OWNER : input.owner,
      },
    },
    [BLOCK.name]: { [ACTION.nameInput]: { type: 'plain_text_input', value: input.name ?? null } },
    [BLOCK.expiryPreset]: {
      [ACTION.expiryPreset]: {
        type: 'static_select',
        selected_option:
          preset === null
            ? null
            : { text: { type: 'plain_text', text: `${preset} days`, emoji: true }, value: preset },
      },
    },
    [BLOCK.expiryDate]: { [ACTION.expiryDate]: { type: 'datepicker', selected_date: input.date ?? null } },
  };
};

/** The owner has used Tokendesk from Slack before, so their Slack identity is linked to a user. */
export const linkOwner = async (h: Harness) => {
  const resolved = await h.services.users.resolveSlackUser(
    { teamId: h.fake.teamId, slackUserId: OWNER, enterpriseId: null },
    async () => ({ email: 'olive@example.com', name: 'Olive Owner', isBot: false, deleted: false }),
  );
  if (!resolved.ok) throw new Error('owner not linked');
  return resolved.user;
};

export const newViewId = () => `V${randomBytes(5).toString('hex').toUpperCase()}`;

export type OpenedModal = { view: Record<string, unknown>; viewId: string; privateMetadata: string };

/** Runs `/apitoken <text>` and returns the modal it opened, checked against Block Kit. */
export const openModal = async (h: Harness, text = 'generate', userId = ADMIN): Promise<OpenedModal> => {
  const before = h.fake.callsTo('views.open').length;
  await h.command(text, { userId });
  const call = await h.waitFor(() => h.fake.callsTo('views.open')[before]);
  expect(call.error).toBeUndefined();
  const view = call.args.view as Record<string, unknown>;
  expect(validateBlockKit('modal', view)).toEqual([]);
  expect(view.callback_id).toBe(CALLBACK.generateModal);
  return { view, viewId: newViewId(), privateMetadata: String(view.private_metadata) };
};

export const submitModal = (h: Harness, modal: OpenedModal, input: ModalInput = {}, userId = ADMIN) =>
  h.submit({
    userId,
    callbackId: CALLBACK.generateModal,
    viewId: modal.viewId,
    privateMetadata: modal.privateMetadata,
    values: modalValues(input),
  });

export const successfulEphemerals = (h: Harness): RecordedCall[] =>
  h.fake.callsTo('chat.postEphemeral').filter((c) => c.error === undefined);

export const tokensIn = (call: RecordedCall): string[] =>
  JSON.stringify(call.args).match(TOKEN_PATTERN) ?? [];

/** Waits for the single delivered token and returns it with the call that carried it. */
export const deliveredToken = async (h: Harness) => {
  const call = await h.waitFor(() => successfulEphemerals(h).find((c) => tokensIn(c).length > 0));
  const [token] = tokensIn(call);
  return { token: token!, call };
};

export const occurrences = (haystack: string, needle: string) => haystack.split(needle).length - 1;

/** Lets listener work that runs after the ack settle, for tests asserting that nothing more happens. */
export const settle = (ms = 300) => new Promise((resolve) => setTimeout(resolve, ms));
