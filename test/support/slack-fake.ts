/**
 * An in-process fake of the Slack Web API (plus response_url endpoints) for end-to-end tests.
 *
 * Point a real WebClient at it with `new WebClient(token, { slackApiUrl: fake.url, retryConfig: { retries: 0 } })`.
 * WebClient builds method URLs as `${slackApiUrl}${method}` (adding a trailing slash if missing), so `fake.url`
 * ends in `/api/` and every method arrives as `POST /api/<method>`.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { acceptWebSocket, type ServerWebSocket } from './websocket-server.ts';

/** Identities the fake reports by default; slack-requests.ts puts the same ones into payloads. */
export const FAKE_APP_ID = 'A0TOKENDESK';
export const FAKE_TEAM_ID = 'T0FAKE0001';
export const FAKE_BOT_USER_ID = 'U0BOT00001';
export const FAKE_BOT_ID = 'B0BOT00001';
export const FAKE_BOT_TOKEN = 'xoxb-tokendesk-fake';
/** App-level token (scope connections:write): the only token apps.connections.open accepts. */
export const FAKE_APP_TOKEN = 'xapp-not-a-real-app-token-fake';

// ---------------------------------------------------------------------------------------------------------------
// Public types
// ---------------------------------------------------------------------------------------------------------------

export type SlackFault =
  | { error: string }
  | { status: 500 | 502 | 503 }
  | { status: 429; retryAfter: number }
  /** The call waits this long, then is carried out as usual. */
  | { delayMs: number }
  /**
   * The call is carried out as usual (a message is posted), but the reply is held back this
   * long: what a client sees when Slack accepted a request and its answer was lost or late.
   */
  | { replyDelayMs: number }
  /** The connection is dropped without an answer, as when Slack is unreachable: fetch fails. */
  | { reset: true };

/** A call held at the fake until the test lets it go (see `holdNext`). */
export interface HeldCall {
  /** Resolves when the call has reached the fake. */
  arrived: Promise<void>;
  /** Lets the call go on: carried out as usual, or failed with the fault given to `holdNext`. */
  release(): void;
}

/**
 * The bot scopes the fake grants by default: manifest.yml's. A method whose scope is not
 * granted answers `missing_scope` with `needed` and `provided`, as Slack does.
 */
export const DEFAULT_SCOPES: readonly string[] = [
  'commands',
  'users:read',
  'users:read.email',
  'chat:write',
  'im:write',
  'im:history',
];

export interface SlackFakeOptions {
  botToken?: string;
  appToken?: string;
  teamId?: string;
  botUserId?: string;
  botId?: string;
  /** Clock in epoch milliseconds; drives trigger expiry, response_url expiry and `at`. */
  now?: () => number;
  /** Bot scopes granted (default DEFAULT_SCOPES). */
  scopes?: readonly string[];
}

export interface RecordedCall {
  method: string;
  /** Arguments as the fake understood them; the auth `token` field is left out on purpose. */
  args: Record<string, unknown>;
  at: number;
  /** Slack error code when the call failed with `ok: false` (or HTTP error text for response_url). */
  error?: string;
  /** The response_url that was POSTed to (only for method `response_url`). */
  url?: string;
}

export interface FakeUser {
  id: string;
  teamId: string;
  email?: string;
  name?: string;
  realName?: string;
  isBot?: boolean;
  deleted?: boolean;
  isAdmin?: boolean;
  enterpriseId?: string;
}

export type SlackView = Record<string, unknown> & { id: string; hash: string; type: string };

/** What the app sent back over a Socket Mode connection: an envelope's acknowledgement. */
export interface SocketAck {
  envelope_id: string;
  payload?: Record<string, unknown>;
}

export interface SocketEnvelopeOptions {
  acceptsResponsePayload?: boolean;
  retryAttempt?: number;
}

export interface SlackFake {
  /** Base URL for WebClient's `slackApiUrl`: `http://127.0.0.1:PORT/api/`. */
  url: string;
  botToken: string;
  appToken: string;
  teamId: string;
  botUserId: string;
  botId: string;
  /** Live array: `reset()` empties it in place. */
  calls: RecordedCall[];
  callsTo(method: string): RecordedCall[];
  allCallsText(): string;
  /**
   * Forgets what happened (calls, messages, views, triggers, response URLs, faults, held
   * calls) and grants the scopes it started with again; keeps users and channels.
   */
  reset(): void;
  addUser(user: FakeUser): void;
  /** Slack no longer knows this user: users.info and conversations.open answer user_not_found. */
  removeUser(userId: string): void;
  /** Takes bot scopes away (until reset), e.g. an app installed before a scope was added. */
  revokeScopes(...scopes: string[]): void;
  /** The DM channel id `conversations.open` returns for a user (stable). */
  dmChannelOf(userId: string): string;
  issueTriggerId(): string;
  responseUrl(): string;
  refuseEphemeralIn(channelId: string): void;
  homeOf(userId: string): SlackView | undefined;
  viewById(id: string): SlackView | undefined;
  failNext(method: string, fault: SlackFault, times?: number): void;
  failAlways(method: string, fault: SlackFault): void;
  /**
   * Holds the next call to `method` at the fake until `release()`; then it is carried out
   * as usual, or fails with `then`. Lets a test line up two instances exactly.
   */
  holdNext(method: string, then?: SlackFault): HeldCall;
  clearFaults(): void;
  /** Socket Mode connections the app has opened and that are still open. */
  openSockets(): number;
  /**
   * Sends an envelope (`slash_commands`, `interactive`, `events_api`) over the newest open Socket
   * Mode connection, as Slack does; returns its envelope_id. Throws when no connection is open.
   */
  sendEnvelope(type: string, payload: Record<string, unknown>, options?: SocketEnvelopeOptions): string;
  /** Every acknowledgement the app sent over Socket Mode, in order. Live array. */
  socketAcks: SocketAck[];
  close(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------------------------
// Block Kit validation (pure; reused by view-builder unit tests)
// ---------------------------------------------------------------------------------------------------------------

export type BlockKitSurface = 'message' | 'modal' | 'home';

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export const MESSAGE_TEXT_MAX = 40_000;
const MAX_BLOCKS: Record<BlockKitSurface, number> = { message: 50, modal: 100, home: 100 };

/** Option-bearing elements and how many options Slack accepts in each. */
const OPTION_LIMITS: Record<string, number> = {
  static_select: 100,
  multi_static_select: 100,
  overflow: 5,
  radio_buttons: 10,
  checkboxes: 10,
};

/** Collects problems as `<rule> [json-pointer:<path>]`, the way Slack words its response_metadata messages. */
class BlockKitChecker {
  readonly problems: string[] = [];

  constructor(readonly surface: BlockKitSurface) {}

  report(path: string, rule: string): void {
    this.problems.push(`${rule} [json-pointer:${path}]`);
  }

  maxChars(value: unknown, max: number, path: string, what: string): void {
    if (typeof value === 'string' && value.length > max) {
      this.report(path, `${what} must be at most ${max} characters (got ${value.length})`);
    }
  }

  /** Limits on text objects apply to their inner `text`. */
  maxTextChars(textObject: unknown, max: number, path: string, what: string): void {
    if (isObject(textObject)) this.maxChars(textObject.text, max, `${path}/text`, what);
  }

  maxItems(value: unknown, max: number, path: string, what: string): void {
    if (Array.isArray(value) && value.length > max) {
      this.report(path, `${what} must have at most ${max} items (got ${value.length})`);
    }
  }
}

/**
 * Checks a message (`{ text, blocks }` as passed to chat.postMessage) or a view object (modal/home) against
 * Slack's Block Kit limits. Returns human-readable problems; an empty array means Slack would accept it.
 */
export function validateBlockKit(surface: BlockKitSurface, payload: unknown): string[] {
  const checker = new BlockKitChecker(surface);
  if (!isObject(payload)) {
    checker.report('/', `${surface} payload must be an object`);
  } else if (surface === 'message') {
    checker.maxChars(payload.text, MESSAGE_TEXT_MAX, '/text', 'message text');
    checkBlocks(checker, payload.blocks, '');
  } else {
    checkView(checker, payload);
  }
  return checker.problems;
}

function checkView(checker: BlockKitChecker, view: Json): void {
  const root = '/view';
  if (view.type !== checker.surface) {
    checker.report(`${root}/type`, `view type must be '${checker.surface}'`);
  }
  if (checker.surface === 'modal') checkModalChrome(checker, view, root);
  checker.maxChars(view.private_metadata, 3000, `${root}/private_metadata`, 'private_metadata');
  checker.maxChars(view.callback_id, 255, `${root}/callback_id`, 'callback_id');
  checker.maxChars(view.external_id, 255, `${root}/external_id`, 'external_id');
  checkBlocks(checker, view.blocks, root);
}

function checkModalChrome(checker: BlockKitChecker, view: Json, root: string): void {
  if (!isObject(view.title)) checker.report(`${root}/title`, 'modal title is required');
  checker.maxTextChars(view.title, 24, `${root}/title`, 'modal title');
  checker.maxTextChars(view.submit, 24, `${root}/submit`, 'modal submit');
  checker.maxTextChars(view.close, 24, `${root}/close`, 'modal close');
  // Slack refuses modals whose inputs could never be submitted.
  const hasInput = Array.isArray(view.blocks) && view.blocks.some((b) => isObject(b) && b.type === 'input');
  if (hasInput && !isObject(view.submit)) {
    checker.report(`${root}/submit`, 'modal submit is required when the view has input blocks');
  }
}

function checkBlocks(checker: BlockKitChecker, blocks: unknown, root: string): void {
  if (blocks === undefined) return;
  const path = `${root}/blocks`;
  if (!Array.isArray(blocks)) {
    checker.report(path, 'blocks must be an array');
    return;
  }
  checker.maxItems(blocks, MAX_BLOCKS[checker.surface], path, `${checker.surface} blocks`);
  const seenBlockIds = new Set<string>();
  blocks.forEach((block, index) => {
    const blockPath = `${path}/${index}`;
    if (!isObject(block)) {
      checker.report(blockPath, 'block must be an object');
      return;
    }
    checkBlockId(checker, block, blockPath, seenBlockIds);
    checkBlock(checker, block, blockPath);
  });
}

function checkBlockId(checker: BlockKitChecker, block: Json, path: string, seen: Set<string>): void {
  if (typeof block.block_id !== 'string') return;
  checker.maxChars(block.block_id, 255, `${path}/block_id`, 'block_id');
  if (seen.has(block.block_id)) {
    checker.report(`${path}/block_id`, `duplicate block_id '${block.block_id}'`);
  }
  seen.add(block.block_id);
}

type BlockCheck = (checker: BlockKitChecker, block: Json, path: string) => void;

/** Only block types with Slack-enforced limits need a check; others pass through. */
const BLOCK_CHECKS: Record<string, BlockCheck> = {
  section: (checker, block, path) => checkSection(checker, block, path),
  header: (checker, block, path) => checker.maxTextChars(block.text, 150, `${path}/text`, 'header text'),
  context: (checker, block, path) =>
    checker.maxItems(block.elements, 10, `${path}/elements`, 'context elements'),
  actions: (checker, block, path) => checkActions(checker, block, path),
  input: (checker, block, path) => checkInput(checker, block, path),
};

function checkBlock(checker: BlockKitChecker, block: Json, path: string): void {
  const check = typeof block.type === 'string' ? BLOCK_CHECKS[block.type] : undefined;
  check?.(checker, block, path);
}

function checkSection(checker: BlockKitChecker, block: Json, path: string): void {
  if (block.text === undefined && block.fields === undefined) {
    checker.report(path, 'section must have text or fields');
  }
  checker.maxTextChars(block.text, 3000, `${path}/text`, 'section text');
  checker.maxItems(block.fields, 10, `${path}/fields`, 'section fields');
  if (Array.isArray(block.fields)) {
    block.fields.forEach((field, i) => {
      checker.maxTextChars(field, 2000, `${path}/fields/${i}`, 'section field');
    });
  }
  if (block.accessory !== undefined) checkElement(checker, block.accessory, `${path}/accessory`);
}

function checkActions(checker: BlockKitChecker, block: Json, path: string): void {
  const elements = Array.isArray(block.elements) ? block.elements : [];
  checker.maxItems(elements, 25, `${path}/elements`, 'actions elements');
  const seenActionIds = new Set<string>();
  elements.forEach((element, i) => {
    const elementPath = `${path}/elements/${i}`;
    checkElement(checker, element, elementPath);
    // Slack routes interactions by action_id, so it must be unique inside one actions block.
    if (isObject(element) && typeof element.action_id === 'string') {
      if (seenActionIds.has(element.action_id)) {
        checker.report(`${elementPath}/action_id`, `duplicate action_id '${element.action_id}'`);
      }
      seenActionIds.add(element.action_id);
    }
  });
}

function checkInput(checker: BlockKitChecker, block: Json, path: string): void {
  if (checker.surface !== 'modal') {
    checker.report(path, `input blocks are only allowed in modals, not in a ${checker.surface}`);
  }
  checker.maxTextChars(block.label, 2000, `${path}/label`, 'input label');
  checker.maxTextChars(block.hint, 2000, `${path}/hint`, 'input hint');
  if (block.element !== undefined) checkElement(checker, block.element, `${path}/element`);
}

function checkElement(checker: BlockKitChecker, element: unknown, path: string): void {
  if (!isObject(element)) return;
  checker.maxChars(element.action_id, 255, `${path}/action_id`, 'action_id');
  if (element.type === 'button') {
    checker.maxTextChars(element.text, 75, `${path}/text`, 'button text');
    checker.maxChars(element.value, 2000, `${path}/value`, 'button value');
    checker.maxChars(element.url, 3000, `${path}/url`, 'button url');
  }
  const optionLimit = typeof element.type === 'string' ? OPTION_LIMITS[element.type] : undefined;
  if (optionLimit !== undefined) checkOptions(checker, element, path, optionLimit);
  if (element.confirm !== undefined) checkConfirm(checker, element.confirm, `${path}/confirm`);
}

function checkOptions(checker: BlockKitChecker, element: Json, path: string, limit: number): void {
  checker.maxItems(element.options, limit, `${path}/options`, `${String(element.type)} options`);
  checkOptionList(checker, element.options, `${path}/options`);
  if (!Array.isArray(element.option_groups)) return;
  checker.maxItems(element.option_groups, 100, `${path}/option_groups`, 'option groups');
  element.option_groups.forEach((group, g) => {
    if (!isObject(group)) return;
    const groupPath = `${path}/option_groups/${g}`;
    checker.maxTextChars(group.label, 75, `${groupPath}/label`, 'option group label');
    checker.maxItems(group.options, 100, `${groupPath}/options`, 'option group options');
    checkOptionList(checker, group.options, `${groupPath}/options`);
  });
}

function checkOptionList(checker: BlockKitChecker, options: unknown, path: string): void {
  if (!Array.isArray(options)) return;
  options.forEach((option, i) => {
    if (!isObject(option)) return;
    checker.maxTextChars(option.text, 75, `${path}/${i}/text`, 'option text');
    checker.maxChars(option.value, 150, `${path}/${i}/value`, 'option value');
    checker.maxTextChars(option.description, 75, `${path}/${i}/description`, 'option description');
  });
}

function checkConfirm(checker: BlockKitChecker, confirm: unknown, path: string): void {
  if (!isObject(confirm)) return;
  checker.maxTextChars(confirm.title, 100, `${path}/title`, 'confirm title');
  checker.maxTextChars(confirm.text, 300, `${path}/text`, 'confirm text');
  checker.maxTextChars(confirm.confirm, 30, `${path}/confirm`, 'confirm button');
  checker.maxTextChars(confirm.deny, 30, `${path}/deny`, 'deny button');
}

// ---------------------------------------------------------------------------------------------------------------
// Fake server
// ---------------------------------------------------------------------------------------------------------------

type Args = Record<string, unknown>;
type SlackResult = Json & { ok: boolean };
type Handler = (args: Args) => SlackResult;

interface HttpReply {
  status: number;
  body: string;
  headers?: Record<string, string>;
  /** Destroy the socket instead of answering. */
  reset?: boolean;
}

const TRIGGER_TTL_MS = 3_000;
// Slack lets an app use a response_url up to five times within thirty minutes.
const RESPONSE_URL_MAX_USES = 5;
const RESPONSE_URL_TTL_MS = 30 * 60_000;

/** WebClient JSON-encodes nested arguments inside form bodies; these are the ones Tokendesk sends. */
const JSON_FORM_FIELDS = new Set(['blocks', 'attachments', 'view', 'metadata', 'unfurls']);

const fail = (error: string, messages?: string[]): SlackResult =>
  messages && messages.length > 0
    ? { ok: false, error, response_metadata: { messages: messages.map((m) => `[ERROR] ${m}`) } }
    : { ok: false, error };

const randomId = (prefix: string, bytes = 5): string =>
  `${prefix}${randomBytes(bytes).toString('hex').toUpperCase()}`;

const stringArg = (args: Args, key: string): string | undefined => {
  const value = args[key];
  if (typeof value === 'string' && value !== '') return value;
  return typeof value === 'number' ? String(value) : undefined;
};

interface StoredMessage {
  channel: string;
  ts: string;
  text: unknown;
  blocks: unknown;
  /** Message metadata (`{ event_type, event_payload }`) as posted, if any. */
  metadata?: Json;
}

type QueuedFault = SlackFault | { hold: Promise<void>; arrived: () => void; then?: SlackFault | undefined };

/** The scope each method needs; conversations.history depends on the conversation type. */
const METHOD_SCOPES: Record<string, string> = {
  'users.info': 'users:read',
  'conversations.open': 'im:write',
  'chat.postMessage': 'chat:write',
  'chat.postEphemeral': 'chat:write',
  'chat.update': 'chat:write',
  'chat.delete': 'chat:write',
};

const HISTORY_SCOPES: Record<string, string> = {
  D: 'im:history',
  C: 'channels:history',
  G: 'groups:history',
};

const truthy = (value: unknown): boolean =>
  value === true || value === 'true' || value === '1' || value === 1;

/** Slack's "seconds.micro" timestamps, compared exactly (as integers, not floats). */
const tsKey = (ts: string): bigint | undefined => {
  const match = /^(\d{1,12})(?:\.(\d{1,6}))?$/.exec(ts);
  if (!match) return undefined;
  return BigInt(match[1] ?? '0') * 1_000_000n + BigInt((match[2] ?? '').padEnd(6, '0'));
};

interface ResponseUrlState {
  createdAt: number;
  uses: number;
}

class FakeSlack implements SlackFake {
  url = '';
  readonly botToken: string;
  readonly appToken: string;
  readonly teamId: string;
  readonly botUserId: string;
  readonly botId: string;
  readonly calls: RecordedCall[] = [];

  private readonly now: () => number;
  private readonly server: Server;
  private origin = '';
  private readonly users = new Map<string, FakeUser>();
  private readonly refusedEphemeralChannels = new Set<string>();
  private readonly triggers = new Map<string, { expiresAt: number; used: boolean }>();
  private readonly responseUrls = new Map<string, ResponseUrlState>();
  private readonly messages = new Map<string, StoredMessage>();
  private readonly views = new Map<string, SlackView>();
  private readonly homes = new Map<string, SlackView>();
  private readonly queuedFaults = new Map<string, QueuedFault[]>();
  private readonly standingFaults = new Map<string, SlackFault>();
  private readonly releases = new Set<() => void>();
  private readonly defaultScopes: readonly string[];
  private scopes: Set<string>;
  private tsCounter = 0;
  /** Socket Mode: tickets handed out by apps.connections.open (each opens one connection). */
  private readonly socketTickets = new Set<string>();
  private readonly sockets: ServerWebSocket[] = [];
  readonly socketAcks: SocketAck[] = [];

  private readonly handlers: Record<string, Handler> = {
    'auth.test': () => this.authTest(),
    'users.info': (args) => this.usersInfo(args),
    'conversations.open': (args) => this.conversationsOpen(args),
    'chat.postMessage': (args) => this.postMessage(args),
    'chat.postEphemeral': (args) => this.postEphemeral(args),
    'chat.update': (args) => this.chatUpdate(args),
    'chat.delete': (args) => this.chatDelete(args),
    'conversations.history': (args) => this.conversationsHistory(args),
    'views.open': (args) => this.viewsOpen(args),
    // Without knowing which modal a trigger came from, a pushed view behaves like a freshly opened one.
    'views.push': (args) => this.viewsOpen(args),
    'views.update': (args) => this.viewsUpdate(args),
    'views.publish': (args) => this.viewsPublish(args),
    'apps.connections.open': () => this.appsConnectionsOpen(),
  };

  constructor(opts: SlackFakeOptions) {
    this.botToken = opts.botToken ?? FAKE_BOT_TOKEN;
    this.appToken = opts.appToken ?? FAKE_APP_TOKEN;
    this.teamId = opts.teamId ?? FAKE_TEAM_ID;
    this.botUserId = opts.botUserId ?? FAKE_BOT_USER_ID;
    this.botId = opts.botId ?? FAKE_BOT_ID;
    this.now = opts.now ?? Date.now;
    this.defaultScopes = opts.scopes ?? DEFAULT_SCOPES;
    this.scopes = new Set(this.defaultScopes);
    this.addUser({ id: this.botUserId, teamId: this.teamId, name: 'tokendesk', isBot: true });
    this.server = createServer((req, res) => {
      this.route(req, res).catch((error: unknown) => send(res, { status: 500, body: String(error) }));
    });
    this.server.on('upgrade', (req, socket, head) => this.upgrade(req, socket, head));
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, '127.0.0.1', () => resolve());
    });
    const { port } = this.server.address() as AddressInfo;
    this.origin = `http://127.0.0.1:${port}`;
    this.url = `${this.origin}/api/`;
  }

  close(): Promise<void> {
    this.releaseHeld();
    for (const socket of this.sockets.splice(0)) socket.destroy();
    return new Promise((resolve, reject) => {
      this.server.close((error) => (error ? reject(error) : resolve()));
      // Keep-alive sockets from fetch would otherwise hold close() open.
      this.server.closeAllConnections();
    });
  }

  // ----- test-facing helpers -----

  callsTo(method: string): RecordedCall[] {
    return this.calls.filter((call) => call.method === method);
  }

  allCallsText(): string {
    return JSON.stringify(this.calls);
  }

  reset(): void {
    this.calls.length = 0;
    this.socketAcks.length = 0;
    for (const store of [this.triggers, this.responseUrls, this.messages, this.views, this.homes])
      store.clear();
    this.clearFaults();
    this.releaseHeld();
    this.scopes = new Set(this.defaultScopes);
  }

  addUser(user: FakeUser): void {
    this.users.set(user.id, user);
  }

  removeUser(userId: string): void {
    this.users.delete(userId);
  }

  revokeScopes(...scopes: string[]): void {
    for (const scope of scopes) this.scopes.delete(scope);
  }

  holdNext(method: string, then?: SlackFault): HeldCall {
    let release!: () => void;
    let arrived!: () => void;
    const hold = new Promise<void>((resolve) => {
      release = resolve;
    });
    const arrival = new Promise<void>((resolve) => {
      arrived = resolve;
    });
    this.releases.add(release);
    const queue = this.queuedFaults.get(method) ?? [];
    queue.push({ hold, arrived, then });
    this.queuedFaults.set(method, queue);
    return {
      arrived: arrival,
      release: () => {
        this.releases.delete(release);
        release();
      },
    };
  }

  /** Lets every held call go, so that no request is left hanging on reset or close. */
  private releaseHeld(): void {
    for (const release of this.releases) release();
    this.releases.clear();
  }

  dmChannelOf(userId: string): string {
    // Derived from the user id so tests can predict it without calling conversations.open first.
    return `D${userId.slice(1)}`;
  }

  issueTriggerId(): string {
    const id = `${Math.floor(this.now() / 1000)}.${randomBytes(4).readUInt32BE()}.${randomBytes(16).toString('hex')}`;
    this.triggers.set(id, { expiresAt: this.now() + TRIGGER_TTL_MS, used: false });
    return id;
  }

  responseUrl(): string {
    const id = randomBytes(12).toString('hex');
    this.responseUrls.set(id, { createdAt: this.now(), uses: 0 });
    return `${this.origin}/response/${id}`;
  }

  refuseEphemeralIn(channelId: string): void {
    this.refusedEphemeralChannels.add(channelId);
  }

  homeOf(userId: string): SlackView | undefined {
    return this.homes.get(userId);
  }

  viewById(id: string): SlackView | undefined {
    return this.views.get(id);
  }

  failNext(method: string, fault: SlackFault, times = 1): void {
    const queue = this.queuedFaults.get(method) ?? [];
    for (let i = 0; i < times; i += 1) queue.push(fault);
    this.queuedFaults.set(method, queue);
  }

  failAlways(method: string, fault: SlackFault): void {
    this.standingFaults.set(method, fault);
  }

  clearFaults(): void {
    this.queuedFaults.clear();
    this.standingFaults.clear();
  }

  openSockets(): number {
    return this.sockets.filter((s) => s.open).length;
  }

  sendEnvelope(type: string, payload: Record<string, unknown>, options: SocketEnvelopeOptions = {}): string {
    const socket = [...this.sockets].reverse().find((s) => s.open);
    if (!socket) throw new Error('slack-fake: no open Socket Mode connection');
    const envelopeId = randomBytes(16)
      .toString('hex')
      .replace(/^(.{8})(.{4})(.{4})(.{4})/, '$1-$2-$3-$4-');
    // The shape Slack sends: the payload Slack would have POSTed, wrapped with an id to acknowledge.
    socket.sendText(
      JSON.stringify({
        envelope_id: envelopeId,
        payload,
        type,
        accepts_response_payload: options.acceptsResponsePayload ?? type !== 'events_api',
        ...(options.retryAttempt === undefined
          ? {}
          : { retry_attempt: options.retryAttempt, retry_reason: 'timeout' }),
      }),
    );
    return envelopeId;
  }

  // ----- Socket Mode -----

  private appsConnectionsOpen(): SlackResult {
    const ticket = randomBytes(16).toString('hex');
    this.socketTickets.add(ticket);
    // Slack hands out a wss:// URL on its own host; the fake's is plain ws:// on its port.
    const url = `${this.origin.replace(/^http/, 'ws')}/link/?ticket=${ticket}&app_id=${FAKE_APP_ID}`;
    return { ok: true, url };
  }

  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? '/', this.origin);
    const ticket = url.searchParams.get('ticket') ?? '';
    if (url.pathname !== '/link/' || !this.socketTickets.delete(ticket)) {
      // A reused or made-up ticket is refused, as Slack's are single-use.
      socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\n\r\n');
      return;
    }
    const ws = acceptWebSocket(req, socket, head);
    if (!ws) return;
    this.sockets.push(ws);
    ws.on('message', (text: string) => {
      const parsed = parseJsonObject(text);
      if (typeof parsed.envelope_id === 'string') this.socketAcks.push(parsed as unknown as SocketAck);
    });
    ws.sendText(
      JSON.stringify({
        type: 'hello',
        num_connections: this.openSockets(),
        debug_info: { host: 'applink-fake', build_number: 1, approximate_connection_time: 18060 },
        connection_info: { app_id: FAKE_APP_ID },
      }),
    );
  }

  // ----- HTTP plumbing -----

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', this.origin).pathname;
    const body = await readBody(req);
    if (req.method === 'POST' && path.startsWith('/api/')) {
      return send(res, await this.apiCall(path.slice('/api/'.length), req, body));
    }
    if (req.method === 'POST' && path.startsWith('/response/')) {
      return send(res, await this.responseUrlPost(path.slice('/response/'.length), body));
    }
    send(res, { status: 404, body: 'not_found' });
  }

  private async apiCall(method: string, req: IncomingMessage, rawBody: string): Promise<HttpReply> {
    const { args, token } = parseApiRequest(req, rawBody);
    const call: RecordedCall = { method, args, at: this.now() };
    this.calls.push(call);
    const fault = await this.takeFault(method);
    if (fault !== undefined && 'replyDelayMs' in fault) {
      // Done now, answered later: the client may well have given up by then.
      const reply = this.carryOut(method, args, token, call);
      await new Promise((resolve) => setTimeout(resolve, fault.replyDelayMs));
      return reply;
    }
    const faulted = await this.applyFault(fault, call, (error) => jsonReply(fail(error)));
    if (faulted) return faulted;
    return this.carryOut(method, args, token, call);
  }

  private carryOut(method: string, args: Args, token: string | undefined, call: RecordedCall): HttpReply {
    const result =
      this.authenticate(method, token) ?? this.authorize(method, args) ?? this.dispatch(method, args);
    if (!result.ok) call.error = String(result.error);
    return jsonReply(result);
  }

  /** Slack's answer to a method called without the scope it needs. */
  private authorize(method: string, args: Args): SlackResult | undefined {
    const needed =
      method === 'conversations.history'
        ? HISTORY_SCOPES[(stringArg(args, 'channel') ?? '').charAt(0)]
        : METHOD_SCOPES[method];
    if (needed === undefined || this.scopes.has(needed)) return undefined;
    return { ok: false, error: 'missing_scope', needed, provided: [...this.scopes].join(',') };
  }

  /** Bot-token methods refuse the app-level token and the other way round, as Slack does. */
  private authenticate(method: string, token: string | undefined): SlackResult | undefined {
    if (token === undefined || token === '') return fail('not_authed');
    const wanted = method === 'apps.connections.open' ? this.appToken : this.botToken;
    if (token === wanted) return undefined;
    return token === this.botToken || token === this.appToken
      ? fail('not_allowed_token_type')
      : fail('invalid_auth');
  }

  private dispatch(method: string, args: Args): SlackResult {
    const handler = this.handlers[method];
    return handler ? handler(args) : fail('unknown_method');
  }

  /** The fault for this call, once any hold on it has been released. */
  private async takeFault(method: string): Promise<SlackFault | undefined> {
    const fault = this.queuedFaults.get(method)?.shift() ?? this.standingFaults.get(method);
    if (fault === undefined || !('hold' in fault)) return fault;
    fault.arrived();
    await fault.hold;
    return fault.then;
  }

  /** Returns the reply a fault forces, or undefined when the call should proceed (possibly after a delay). */
  private async applyFault(
    fault: SlackFault | undefined,
    call: RecordedCall,
    errorReply: (error: string) => HttpReply,
  ): Promise<HttpReply | undefined> {
    if (fault === undefined) return undefined;
    if ('replyDelayMs' in fault) {
      // Only Web API methods have a reply to hold back; anywhere else it is a plain delay.
      await new Promise((resolve) => setTimeout(resolve, fault.replyDelayMs));
      return undefined;
    }
    if ('delayMs' in fault) {
      await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
      return undefined;
    }
    if ('error' in fault) {
      call.error = fault.error;
      return errorReply(fault.error);
    }
    if ('reset' in fault) {
      call.error = 'connection_reset';
      return { status: 0, body: '', reset: true };
    }
    call.error = `http_${fault.status}`;
    if (fault.status === 429) {
      // Slack's rate limiting: HTTP 429 plus Retry-After in seconds, which WebClient reads.
      return {
        ...jsonReply(fail('ratelimited')),
        status: 429,
        headers: { 'content-type': 'application/json', 'retry-after': String(fault.retryAfter) },
      };
    }
    return { status: fault.status, body: 'upstream failure (injected by slack-fake)' };
  }

  private async responseUrlPost(id: string, rawBody: string): Promise<HttpReply> {
    const url = `${this.origin}/response/${id}`;
    const args = parseJsonObject(rawBody);
    const call: RecordedCall = { method: 'response_url', args, at: this.now(), url };
    this.calls.push(call);
    // Slack answers response_url failures with a 404 and a short error text.
    const notFound = (error: string): HttpReply => ({ status: 404, body: error });
    const faulted = await this.applyFault(await this.takeFault('response_url'), call, notFound);
    if (faulted) return faulted;
    const reply = this.useResponseUrl(id, args);
    if (reply.status !== 200) call.error = reply.body;
    return reply;
  }

  private useResponseUrl(id: string, args: Args): HttpReply {
    const state = this.responseUrls.get(id);
    if (state === undefined) return { status: 404, body: 'no_such_url' };
    if (this.now() - state.createdAt > RESPONSE_URL_TTL_MS) return { status: 404, body: 'expired_url' };
    if (state.uses >= RESPONSE_URL_MAX_USES) return { status: 404, body: 'used_url' };
    const problems = validateBlockKit('message', args);
    // A non-2xx makes Bolt's respond() throw, so broken blocks surface in tests instead of vanishing.
    if (problems.length > 0) return { ...jsonReply(fail('invalid_blocks', problems)), status: 400 };
    state.uses += 1;
    return jsonReply({ ok: true });
  }

  // ----- Web API methods -----

  private authTest(): SlackResult {
    return {
      ok: true,
      url: `https://${this.teamId.toLowerCase()}.slack.com/`,
      team: 'Tokendesk Fake Workspace',
      user: 'tokendesk',
      team_id: this.teamId,
      user_id: this.botUserId,
      bot_id: this.botId,
      is_enterprise_install: false,
    };
  }

  private usersInfo(args: Args): SlackResult {
    const user = this.users.get(stringArg(args, 'user') ?? '');
    return user ? { ok: true, user: slackUser(user) } : fail('user_not_found');
  }

  private conversationsOpen(args: Args): SlackResult {
    const userIds = (stringArg(args, 'users') ?? '').split(',').filter(Boolean);
    if (userIds.length !== 1) return fail(userIds.length === 0 ? 'users_list_not_supplied' : 'not_supported');
    const opened = this.openDm(userIds[0] ?? '');
    return 'error' in opened ? fail(opened.error) : { ok: true, channel: { id: opened.channel } };
  }

  private openDm(userId: string): { channel: string } | { error: string } {
    const user = this.users.get(userId);
    if (user === undefined) return { error: 'user_not_found' };
    if (user.isBot) return { error: 'cannot_dm_bot' };
    if (user.deleted) return { error: 'account_inactive' };
    return { channel: this.dmChannelOf(userId) };
  }

  /** Slack accepts a user id as `channel` and posts into the bot's DM with that user. */
  private resolveChannel(channel: string | undefined): { channel: string } | { error: string } {
    if (channel === undefined) return { error: 'channel_not_found' };
    if (!/^[UW]/.test(channel)) return { channel };
    const opened = this.openDm(channel);
    return 'error' in opened && opened.error === 'user_not_found' ? { error: 'channel_not_found' } : opened;
  }

  private postMessage(args: Args): SlackResult {
    const target = this.resolveChannel(stringArg(args, 'channel'));
    if ('error' in target) return fail(target.error);
    const problem = messageProblem(args) ?? metadataProblem(args.metadata);
    if (problem) return problem;
    const ts = this.nextTs();
    this.messages.set(messageKey(target.channel, ts), {
      channel: target.channel,
      ts,
      text: args.text,
      blocks: args.blocks,
      ...(isObject(args.metadata) ? { metadata: args.metadata } : {}),
    });
    return { ok: true, channel: target.channel, ts, message: this.messageShape(ts, args) };
  }

  /**
   * conversations.history as Slack answers it: newest first, `oldest`/`latest` exclusive
   * unless `inclusive`, at most `limit` (default 100, at most 999) with `has_more` and a
   * cursor for the rest. Message metadata is included only with `include_all_metadata`.
   * A DM exists for every person Slack knows; another channel exists once the bot posted in it.
   */
  private conversationsHistory(args: Args): SlackResult {
    const channel = stringArg(args, 'channel');
    if (channel === undefined) return fail('channel_not_found');
    const stored = [...this.messages.values()].filter((m) => m.channel === channel);
    if (!this.conversationExists(channel, stored.length > 0)) return fail('channel_not_found');
    const inclusive = truthy(args.inclusive);
    const bound = (name: 'oldest' | 'latest') => {
      const raw = stringArg(args, name);
      return raw === undefined ? null : (tsKey(raw) ?? 'invalid');
    };
    const oldest = bound('oldest');
    const latest = bound('latest');
    if (oldest === 'invalid') return fail('invalid_ts_oldest');
    if (latest === 'invalid') return fail('invalid_ts_latest');
    const cursor = this.decodeCursor(stringArg(args, 'cursor'));
    if (cursor === 'invalid') return fail('invalid_cursor');
    const limit = Math.min(Math.max(Number(stringArg(args, 'limit') ?? 100) || 100, 1), 999);
    const matching = stored
      .map((m) => ({ m, key: tsKey(m.ts) ?? 0n }))
      .filter(({ key }) => oldest === null || (inclusive ? key >= oldest : key > oldest))
      .filter(({ key }) => latest === null || (inclusive ? key <= latest : key < latest))
      .filter(({ key }) => cursor === undefined || key < cursor)
      .sort((a, b) => (a.key < b.key ? 1 : a.key > b.key ? -1 : 0));
    const page = matching.slice(0, limit);
    const hasMore = matching.length > limit;
    const withMetadata = truthy(args.include_all_metadata);
    return {
      ok: true,
      messages: page.map(({ m }) => ({
        ...this.messageShape(m.ts, { text: m.text, blocks: m.blocks }),
        ...(withMetadata && m.metadata ? { metadata: m.metadata } : {}),
      })),
      has_more: hasMore,
      pin_count: 0,
      channel_actions_ts: null,
      channel_actions_count: 0,
      response_metadata: {
        next_cursor: hasMore ? Buffer.from(`next_ts:${page.at(-1)?.m.ts}`).toString('base64') : '',
      },
    };
  }

  private conversationExists(channel: string, hasMessages: boolean): boolean {
    if (!channel.startsWith('D')) return hasMessages;
    const user = this.users.get(`U${channel.slice(1)}`) ?? this.users.get(`W${channel.slice(1)}`);
    return user !== undefined && !user.isBot;
  }

  private decodeCursor(cursor: string | undefined): bigint | undefined | 'invalid' {
    if (cursor === undefined) return undefined;
    const match = /^next_ts:(.+)$/.exec(Buffer.from(cursor, 'base64').toString('utf8'));
    return (match?.[1] ? tsKey(match[1]) : undefined) ?? 'invalid';
  }

  private postEphemeral(args: Args): SlackResult {
    const channel = stringArg(args, 'channel');
    if (channel === undefined || this.refusedEphemeralChannels.has(channel)) return fail('channel_not_found');
    if (!this.users.has(stringArg(args, 'user') ?? '')) return fail('user_not_found');
    return messageProblem(args) ?? { ok: true, message_ts: this.nextTs() };
  }

  private chatUpdate(args: Args): SlackResult {
    const stored = this.findMessage(args);
    if (stored === undefined) return fail('message_not_found');
    const problem = messageProblem(args);
    if (problem) return problem;
    stored.text = args.text ?? stored.text;
    stored.blocks = args.blocks ?? stored.blocks;
    const message = this.messageShape(stored.ts, { text: stored.text, blocks: stored.blocks });
    return { ok: true, channel: stored.channel, ts: stored.ts, text: stored.text ?? '', message };
  }

  private chatDelete(args: Args): SlackResult {
    const stored = this.findMessage(args);
    if (stored === undefined) return fail('message_not_found');
    this.messages.delete(messageKey(stored.channel, stored.ts));
    return { ok: true, channel: stored.channel, ts: stored.ts };
  }

  private findMessage(args: Args): StoredMessage | undefined {
    const target = this.resolveChannel(stringArg(args, 'channel'));
    const ts = stringArg(args, 'ts');
    if ('error' in target || ts === undefined) return undefined;
    return this.messages.get(messageKey(target.channel, ts));
  }

  private messageShape(ts: string, args: Args): Json {
    return {
      type: 'message',
      user: this.botUserId,
      bot_id: this.botId,
      app_id: FAKE_APP_ID,
      team: this.teamId,
      text: args.text ?? '',
      ...(args.blocks === undefined ? {} : { blocks: args.blocks }),
      ts,
    };
  }

  private nextTs(): string {
    // Unique and increasing, in Slack's "seconds.micro" shape.
    this.tsCounter += 1;
    return `${Math.floor(this.now() / 1000)}.${String(this.tsCounter).padStart(6, '0')}`;
  }

  // ----- views -----

  private viewsOpen(args: Args): SlackResult {
    const triggerId = stringArg(args, 'trigger_id');
    const triggerProblem = this.checkTrigger(triggerId);
    if (triggerProblem) return triggerProblem;
    const problem = viewProblem('modal', args.view);
    if (problem) return problem;
    const input = args.view as Json;
    if (typeof input.external_id === 'string' && this.findView({ external_id: input.external_id })) {
      return fail('duplicate_external_id');
    }
    this.consumeTrigger(triggerId);
    const id = randomId('V');
    const view = this.buildView(id, input, { root_view_id: id, previous_view_id: null });
    this.views.set(id, view);
    return { ok: true, view };
  }

  private checkTrigger(triggerId: string | undefined): SlackResult | undefined {
    const trigger = triggerId === undefined ? undefined : this.triggers.get(triggerId);
    if (trigger === undefined) return fail('invalid_trigger_id');
    if (trigger.used) return fail('trigger_exchanged');
    return this.now() > trigger.expiresAt ? fail('expired_trigger_id') : undefined;
  }

  private consumeTrigger(triggerId: string | undefined): void {
    const trigger = triggerId === undefined ? undefined : this.triggers.get(triggerId);
    if (trigger) trigger.used = true;
  }

  private viewsUpdate(args: Args): SlackResult {
    const existing = this.findView(args);
    if (existing === undefined) {
      const hasTarget = stringArg(args, 'view_id') ?? stringArg(args, 'external_id');
      return hasTarget
        ? fail('not_found')
        : fail('invalid_arguments', ['view_id or external_id is required']);
    }
    const hash = stringArg(args, 'hash');
    if (hash !== undefined && hash !== existing.hash) return fail('hash_conflict');
    const surface = existing.type === 'home' ? 'home' : 'modal';
    const problem = viewProblem(surface, args.view);
    if (problem) return problem;
    const view = this.buildView(existing.id, args.view as Json, {
      root_view_id: existing.root_view_id ?? null,
      previous_view_id: existing.previous_view_id ?? null,
    });
    // Keep the view addressable by its external_id when the replacement does not restate it.
    if (view.external_id === '') view.external_id = existing.external_id;
    this.views.set(view.id, view);
    for (const [userId, home] of this.homes) if (home.id === view.id) this.homes.set(userId, view);
    return { ok: true, view };
  }

  private findView(args: Args): SlackView | undefined {
    const viewId = stringArg(args, 'view_id');
    if (viewId !== undefined) return this.views.get(viewId);
    const externalId = stringArg(args, 'external_id');
    if (externalId === undefined) return undefined;
    return [...this.views.values()].find((view) => view.external_id === externalId);
  }

  private viewsPublish(args: Args): SlackResult {
    const userId = stringArg(args, 'user_id');
    const user = userId === undefined ? undefined : this.users.get(userId);
    if (user === undefined || userId === undefined) return fail('user_not_found');
    const current = this.homes.get(userId);
    const hash = stringArg(args, 'hash');
    if (hash !== undefined && current !== undefined && hash !== current.hash) return fail('hash_conflict');
    const problem = viewProblem('home', args.view);
    if (problem) return problem;
    // A user's Home tab keeps its view id across publishes.
    const id = current?.id ?? randomId('V');
    const view = this.buildView(id, args.view as Json, { root_view_id: null, previous_view_id: null });
    this.homes.set(userId, view);
    this.views.set(id, view);
    return { ok: true, view };
  }

  private buildView(id: string, input: Json, lineage: Json): SlackView {
    return {
      id,
      team_id: this.teamId,
      type: String(input.type),
      title: input.title ?? null,
      submit: input.submit ?? null,
      close: input.close ?? null,
      blocks: input.blocks ?? [],
      private_metadata: input.private_metadata ?? '',
      callback_id: input.callback_id ?? '',
      external_id: input.external_id ?? '',
      state: { values: {} },
      hash: `${Math.floor(this.now() / 1000)}.${randomBytes(4).toString('hex')}`,
      clear_on_close: input.clear_on_close ?? false,
      notify_on_close: input.notify_on_close ?? false,
      app_id: FAKE_APP_ID,
      app_installed_team_id: this.teamId,
      bot_id: this.botId,
      ...lineage,
    };
  }
}

const messageKey = (channel: string, ts: string): string => `${channel}/${ts}`;

function messageProblem(args: Args): SlackResult | undefined {
  if (args.text === undefined && args.blocks === undefined && args.attachments === undefined) {
    return fail('no_text');
  }
  // Over-long text is its own documented error on chat.* methods, distinct from broken blocks.
  if (typeof args.text === 'string' && args.text.length > MESSAGE_TEXT_MAX) return fail('msg_too_long');
  const problems = validateBlockKit('message', args);
  return problems.length > 0 ? fail('invalid_blocks', problems) : undefined;
}

/** Message metadata must be `{ event_type: string, event_payload: object }`. */
function metadataProblem(metadata: unknown): SlackResult | undefined {
  if (metadata === undefined) return undefined;
  if (!isObject(metadata) || typeof metadata.event_type !== 'string' || !isObject(metadata.event_payload)) {
    return fail('invalid_metadata_format');
  }
  return undefined;
}

function viewProblem(surface: 'modal' | 'home', view: unknown): SlackResult | undefined {
  if (!isObject(view)) return fail('invalid_arguments', ['view must be a JSON object [json-pointer:/view]']);
  const problems = validateBlockKit(surface, view);
  return problems.length > 0 ? fail('invalid_arguments', problems) : undefined;
}

function slackUser(user: FakeUser): Json {
  const name = user.name ?? user.id.toLowerCase();
  const realName = user.realName ?? name;
  return {
    id: user.id,
    team_id: user.teamId,
    name,
    real_name: realName,
    deleted: user.deleted ?? false,
    is_bot: user.isBot ?? false,
    is_app_user: false,
    is_admin: user.isAdmin ?? false,
    is_owner: false,
    is_restricted: false,
    is_ultra_restricted: false,
    tz: 'Etc/UTC',
    profile: {
      real_name: realName,
      display_name: name,
      ...(user.email === undefined ? {} : { email: user.email }),
      team: user.teamId,
    },
    ...(user.enterpriseId === undefined
      ? {}
      : {
          enterprise_user: {
            id: user.id,
            enterprise_id: user.enterpriseId,
            is_admin: user.isAdmin ?? false,
            is_owner: false,
            teams: [user.teamId],
          },
        }),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Request/response helpers
// ---------------------------------------------------------------------------------------------------------------

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function parseJsonObject(text: string): Args {
  try {
    const parsed: unknown = JSON.parse(text);
    return isObject(parsed) ? parsed : {};
  } catch {
    return {};
  }
}

function parseApiRequest(req: IncomingMessage, rawBody: string): { args: Args; token: string | undefined } {
  const contentType = req.headers['content-type'] ?? '';
  const args = contentType.startsWith('application/json') ? parseJsonObject(rawBody) : parseForm(rawBody);
  const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
  const formToken = typeof args.token === 'string' ? args.token : undefined;
  delete args.token;
  return { args, token: bearer ?? formToken };
}

function parseForm(rawBody: string): Args {
  const args: Args = {};
  for (const [key, value] of new URLSearchParams(rawBody)) {
    args[key] = JSON_FORM_FIELDS.has(key) ? parseJsonOrKeep(value) : value;
  }
  return args;
}

function parseJsonOrKeep(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

function jsonReply(result: Json): HttpReply {
  return {
    status: 200,
    body: JSON.stringify(result),
    headers: { 'content-type': 'application/json; charset=utf-8' },
  };
}

function send(res: ServerResponse, reply: HttpReply): void {
  if (reply.reset) {
    res.socket?.destroy();
    return;
  }
  res.writeHead(reply.status, { 'content-type': 'text/plain; charset=utf-8', ...reply.headers });
  res.end(reply.body);
}

export async function startSlackFake(opts: SlackFakeOptions = {}): Promise<SlackFake> {
  const fake = new FakeSlack(opts);
  await fake.listen();
  return fake;
}
