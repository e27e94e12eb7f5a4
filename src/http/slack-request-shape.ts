/**
 * What a well-formed Slack request looks like, by kind. Only the fields every listener
 * relies on are checked — the ones Slack always sends — so a signed but malformed body
 * gets a 400 naming the problem instead of a listener crash, a hung request or a 404.
 *
 * Slack sends three shapes: a slash-command form, a form whose one `payload` field is the
 * JSON of an interactive request, and Events API JSON.
 */
import { parse as parseQuery } from 'node:querystring';

export const FORM_CONTENT_TYPE = 'application/x-www-form-urlencoded';

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const isString = (value: unknown): value is string => typeof value === 'string';
const hasId = (value: unknown): boolean => isObject(value) && isString(value.id) && value.id.length > 0;

const SLASH_COMMAND_FIELDS = [
  'command',
  'text',
  'user_id',
  'team_id',
  'channel_id',
  'response_url',
  'trigger_id',
];

const slashCommandProblem = (form: Record<string, unknown>): string | undefined => {
  const missing = SLASH_COMMAND_FIELDS.filter((f) => !isString(form[f]));
  if (missing.length > 0) return `slash command without ${missing.join(', ')}`;
  if (!String(form.command).startsWith('/')) return 'command must start with /';
  return undefined;
};

/** Per interactive payload type: what its listeners read. Unknown types are Bolt's to answer. */
const INTERACTIVE: Record<string, (p: Json) => string | undefined> = {
  block_actions: (p) => {
    if (!Array.isArray(p.actions) || p.actions.length === 0) return 'block_actions without actions';
    const bad = p.actions.some((a) => !isObject(a) || !isString(a.action_id) || !isString(a.type));
    return bad ? 'every action needs an action_id and a type' : undefined;
  },
  view_submission: (p) => viewProblem(p, true),
  view_closed: (p) => viewProblem(p, false),
  block_suggestion: (p) =>
    isString(p.action_id) && isString(p.value) ? undefined : 'block_suggestion without action_id or value',
};

function viewProblem(p: Json, needsState: boolean): string | undefined {
  const view = p.view;
  if (!isObject(view) || !isString(view.id) || !isString(view.callback_id))
    return 'view without id or callback_id';
  if (view.private_metadata !== undefined && !isString(view.private_metadata))
    return 'private_metadata must be a string';
  if (needsState && (!isObject(view.state) || !isObject(view.state.values)))
    return 'view without state.values';
  return undefined;
}

const NOT_JSON = Symbol('not JSON');
const parseJson = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return NOT_JSON;
  }
};

const interactiveProblem = (payload: string): string | undefined => {
  const parsed = parseJson(payload);
  if (parsed === NOT_JSON) return 'payload is not JSON';
  if (!isObject(parsed) || !isString(parsed.type)) return 'payload must be a JSON object with a type';
  if (!hasId(parsed.user)) return 'payload without user.id';
  return INTERACTIVE[parsed.type]?.(parsed);
};

const eventsApiProblem = (text: string): string | undefined => {
  const parsed = parseJson(text);
  if (parsed === NOT_JSON) return 'body is not JSON';
  if (!isObject(parsed) || !isString(parsed.type)) return 'expected a JSON object with a type';
  if (parsed.type === 'url_verification' && !isString(parsed.challenge))
    return 'url_verification without challenge';
  if (parsed.type === 'event_callback' && (!isObject(parsed.event) || !isString(parsed.event.type)))
    return 'event_callback without event.type';
  return undefined;
};

/** Undefined when `body` is a request Slack could have sent; otherwise what is wrong with it. */
export const slackBodyProblem = (contentType: string | undefined, body: Buffer): string | undefined => {
  const text = body.toString('utf8');
  // Bolt parses a form only when the content-type is exactly this, and everything else as JSON.
  if (contentType !== FORM_CONTENT_TYPE) return eventsApiProblem(text);
  const form = parseQuery(text);
  if (form.ssl_check === '1') return undefined;
  if ('payload' in form) {
    return isString(form.payload) ? interactiveProblem(form.payload) : 'payload must appear once';
  }
  if ('command' in form) return slashCommandProblem(form);
  return 'expected a slash command or an interactive payload';
};
