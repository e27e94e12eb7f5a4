/**
 * Signed requests and payload builders for driving Bolt's HTTP receiver the way Slack does.
 *
 * Bolt 5 (HTTPReceiver) verifies `v0=HMAC-SHA256(secret, "v0:<ts>:<raw body>")` against `x-slack-signature`,
 * rejects timestamps older than five minutes, and only parses form bodies when the content-type is exactly
 * `application/x-www-form-urlencoded` (anything else, even with `; charset=…`, is parsed as JSON).
 */
import { createHmac, randomBytes } from 'node:crypto';
import { FAKE_APP_ID, FAKE_BOT_ID, FAKE_BOT_USER_ID } from './slack-fake.ts';

export const FORM_CONTENT_TYPE = 'application/x-www-form-urlencoded';
export const JSON_CONTENT_TYPE = 'application/json';
/** Legacy verification token Slack still puts into payloads; Bolt ignores it. */
export const VERIFICATION_TOKEN = 'fake-verification-token';

const nowSec = (): number => Math.floor(Date.now() / 1000);

/** Events API bodies are JSON; everything else Slack sends is form-encoded. */
const contentTypeFor = (body: string): string =>
  body.trimStart().startsWith('{') ? JSON_CONTENT_TYPE : FORM_CONTENT_TYPE;

export function signRequest(secret: string, body: string, timestampSec = nowSec()): Record<string, string> {
  const digest = createHmac('sha256', secret).update(`v0:${timestampSec}:${body}`).digest('hex');
  return {
    'content-type': contentTypeFor(body),
    'x-slack-request-timestamp': String(timestampSec),
    'x-slack-signature': `v0=${digest}`,
  };
}

export interface PostSignedOptions {
  secret: string;
  contentType?: string;
  timestamp?: number;
  /** Overrides the computed signature, to exercise verification failures. */
  signature?: string;
}

export interface SignedResponse {
  status: number;
  text: string;
  json?: unknown;
}

export async function postSigned(
  url: string,
  body: string,
  opts: PostSignedOptions,
): Promise<SignedResponse> {
  const headers = signRequest(opts.secret, body, opts.timestamp);
  if (opts.contentType !== undefined) headers['content-type'] = opts.contentType;
  if (opts.signature !== undefined) headers['x-slack-signature'] = opts.signature;
  const response = await fetch(url, { method: 'POST', headers, body });
  const text = await response.text();
  return { status: response.status, text, json: tryParseJson(text) };
}

function tryParseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Shared identity fragments
// ---------------------------------------------------------------------------------------------------------------

interface Identity {
  userId: string;
  teamId: string;
  enterpriseId?: string;
  isEnterpriseInstall?: boolean;
}

const teamDomain = (teamId: string): string => `team-${teamId.toLowerCase()}`;
const userName = (userId: string): string => `user-${userId.toLowerCase()}`;
const actionTs = (): string => `${nowSec()}.${String(randomBytes(3).readUIntBE(0, 3)).padStart(6, '0')}`;

/** The fields every interactive payload (block_actions, view_*, block_suggestion) starts with. */
function interactiveEnvelope(type: string, who: Identity): Record<string, unknown> {
  const enterprise = who.enterpriseId
    ? { id: who.enterpriseId, name: `Enterprise ${who.enterpriseId}` }
    : null;
  return {
    type,
    user: { id: who.userId, username: userName(who.userId), name: userName(who.userId), team_id: who.teamId },
    api_app_id: FAKE_APP_ID,
    token: VERIFICATION_TOKEN,
    team: {
      id: who.teamId,
      domain: teamDomain(who.teamId),
      ...(who.enterpriseId ? { enterprise_id: who.enterpriseId } : {}),
    },
    enterprise,
    is_enterprise_install: who.isEnterpriseInstall ?? false,
  };
}

/** Interactive payloads arrive as a single form field holding JSON. */
const asPayloadForm = (payload: Record<string, unknown>): string =>
  new URLSearchParams({ payload: JSON.stringify(payload) }).toString();

// ---------------------------------------------------------------------------------------------------------------
// Slash commands
// ---------------------------------------------------------------------------------------------------------------

export interface SlashCommandInput extends Identity {
  command?: string;
  text: string;
  channelId: string;
  channelName?: string;
  triggerId: string;
  responseUrl: string;
}

export function slashCommandBody(input: SlashCommandInput): string {
  // Field order follows what Slack sends; enterprise fields only exist on Enterprise Grid.
  const fields: Array<[string, string]> = [
    ['token', VERIFICATION_TOKEN],
    ['team_id', input.teamId],
    ['team_domain', teamDomain(input.teamId)],
    ...(input.enterpriseId
      ? ([
          ['enterprise_id', input.enterpriseId],
          ['enterprise_name', `Enterprise ${input.enterpriseId}`],
        ] as Array<[string, string]>)
      : []),
    ['channel_id', input.channelId],
    ['channel_name', input.channelName ?? (input.channelId.startsWith('D') ? 'directmessage' : 'general')],
    ['user_id', input.userId],
    ['user_name', userName(input.userId)],
    ['command', input.command ?? '/apitoken'],
    ['text', input.text],
    ['api_app_id', FAKE_APP_ID],
    // Slash commands carry this as the string "true"/"false", unlike JSON payloads.
    ['is_enterprise_install', String(input.isEnterpriseInstall ?? false)],
    ['response_url', input.responseUrl],
    ['trigger_id', input.triggerId],
  ];
  return new URLSearchParams(fields).toString();
}

// ---------------------------------------------------------------------------------------------------------------
// block_actions
// ---------------------------------------------------------------------------------------------------------------

export interface SelectedOption {
  text: string;
  value: string;
}

export interface BlockActionsInput extends Identity {
  actionId: string;
  blockId?: string;
  value?: string;
  selectedOption?: SelectedOption;
  triggerId: string;
  responseUrl?: string;
  container?: Record<string, unknown>;
  message?: Record<string, unknown>;
  view?: Record<string, unknown>;
  channelId?: string;
}

export function blockActionsBody(input: BlockActionsInput): string {
  const payload: Record<string, unknown> = {
    ...interactiveEnvelope('block_actions', input),
    trigger_id: input.triggerId,
    container: input.container ?? defaultContainer(input),
    actions: [actionOf(input)],
  };
  if (input.channelId) payload.channel = { id: input.channelId, name: 'general' };
  if (input.message) payload.message = input.message;
  if (input.view) payload.view = input.view;
  if (input.responseUrl) payload.response_url = input.responseUrl;
  return asPayloadForm(payload);
}

function actionOf(input: BlockActionsInput): Record<string, unknown> {
  const common = { action_id: input.actionId, block_id: input.blockId ?? 'actions', action_ts: actionTs() };
  if (input.selectedOption) {
    const { text, value } = input.selectedOption;
    return {
      type: 'static_select',
      ...common,
      selected_option: { text: { type: 'plain_text', text, emoji: true }, value },
    };
  }
  return { type: 'button', ...common, value: input.value ?? '' };
}

/** Slack describes where the clicked element lives; derive it from what the test gave. */
function defaultContainer(input: BlockActionsInput): Record<string, unknown> {
  if (input.view && typeof input.view.id === 'string') {
    return { type: 'view', view_id: input.view.id };
  }
  return {
    type: 'message',
    message_ts: typeof input.message?.ts === 'string' ? input.message.ts : actionTs(),
    channel_id: input.channelId ?? '',
    is_ephemeral: input.message === undefined,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// view_submission / view_closed
// ---------------------------------------------------------------------------------------------------------------

export interface ViewPayloadInput extends Identity {
  callbackId: string;
  viewId: string;
  privateMetadata?: string;
  /** `state.values`: `{ [blockId]: { [actionId]: { type, value | selected_option … } } }`. */
  values?: Record<string, Record<string, unknown>>;
  hash?: string;
  /** Extra view fields (title, blocks, external_id…) merged over the defaults. */
  view?: Record<string, unknown>;
}

function viewOutput(input: ViewPayloadInput): Record<string, unknown> {
  return {
    id: input.viewId,
    team_id: input.teamId,
    type: 'modal',
    callback_id: input.callbackId,
    private_metadata: input.privateMetadata ?? '',
    state: { values: input.values ?? {} },
    hash: input.hash ?? `${nowSec()}.fakehash`,
    title: { type: 'plain_text', text: 'Tokendesk', emoji: true },
    blocks: [],
    close: null,
    submit: null,
    root_view_id: input.viewId,
    previous_view_id: null,
    clear_on_close: false,
    notify_on_close: false,
    external_id: '',
    app_id: FAKE_APP_ID,
    app_installed_team_id: input.teamId,
    bot_id: FAKE_BOT_ID,
    ...input.view,
  };
}

export interface ViewSubmissionInput extends ViewPayloadInput {
  values: Record<string, Record<string, unknown>>;
}

export function viewSubmissionBody(input: ViewSubmissionInput): string {
  return asPayloadForm({
    ...interactiveEnvelope('view_submission', input),
    trigger_id: `${nowSec()}.${randomBytes(8).toString('hex')}`,
    view: viewOutput(input),
    response_urls: [],
  });
}

export interface ViewClosedInput extends ViewPayloadInput {
  isCleared?: boolean;
}

export function viewClosedBody(input: ViewClosedInput): string {
  return asPayloadForm({
    ...interactiveEnvelope('view_closed', input),
    view: viewOutput(input),
    is_cleared: input.isCleared ?? false,
  });
}

// ---------------------------------------------------------------------------------------------------------------
// block_suggestion (external_select options requests)
// ---------------------------------------------------------------------------------------------------------------

export interface BlockSuggestionInput extends Identity {
  actionId: string;
  blockId: string;
  /** What the user has typed so far. */
  value: string;
  view?: Record<string, unknown>;
  channelId?: string;
}

export function blockSuggestionBody(input: BlockSuggestionInput): string {
  const payload: Record<string, unknown> = {
    ...interactiveEnvelope('block_suggestion', input),
    action_id: input.actionId,
    block_id: input.blockId,
    value: input.value,
    action_ts: actionTs(),
    container: input.view ? { type: 'view', view_id: input.view.id } : { type: 'message' },
  };
  if (input.view) payload.view = input.view;
  if (input.channelId) payload.channel = { id: input.channelId, name: 'general' };
  return asPayloadForm(payload);
}

// ---------------------------------------------------------------------------------------------------------------
// Events API (JSON bodies)
// ---------------------------------------------------------------------------------------------------------------

export interface EventInput {
  teamId: string;
  event: Record<string, unknown> & { type: string };
  enterpriseId?: string;
  isEnterpriseInstall?: boolean;
  /** The installing bot's user id, as Slack lists it in `authorizations`. */
  botUserId?: string;
}

export function eventBody(input: EventInput): string {
  const eventTime = nowSec();
  return JSON.stringify({
    token: VERIFICATION_TOKEN,
    team_id: input.teamId,
    ...(input.enterpriseId ? { enterprise_id: input.enterpriseId } : {}),
    api_app_id: FAKE_APP_ID,
    event: { event_ts: `${eventTime}.000100`, ...input.event },
    type: 'event_callback',
    event_id: `Ev${randomBytes(5).toString('hex').toUpperCase()}`,
    event_time: eventTime,
    // Bolt reads team/enterprise ids for authorize() from here before falling back to the top level.
    authorizations: [
      {
        enterprise_id: input.enterpriseId ?? null,
        team_id: input.teamId,
        user_id: input.botUserId ?? FAKE_BOT_USER_ID,
        is_bot: true,
        is_enterprise_install: input.isEnterpriseInstall ?? false,
      },
    ],
    is_ext_shared_channel: false,
  });
}

export function urlVerificationBody(challenge: string): string {
  return JSON.stringify({ token: VERIFICATION_TOKEN, challenge, type: 'url_verification' });
}

// ---------------------------------------------------------------------------------------------------------------
// Socket Mode: the same payloads, as the JSON object an envelope carries
// ---------------------------------------------------------------------------------------------------------------

/** A slash command as Socket Mode delivers it: the form fields as one JSON object. */
export function slashCommandPayload(input: SlashCommandInput): Record<string, string> {
  return Object.fromEntries(new URLSearchParams(slashCommandBody(input)));
}

/** An interactive payload (block_actions, view_submission…) as Socket Mode delivers it. */
export function interactivePayload(formBody: string): Record<string, unknown> {
  return JSON.parse(new URLSearchParams(formBody).get('payload') ?? '{}') as Record<string, unknown>;
}
