/**
 * The "Generate API token" modal, and reading its submission back. Both are pure: the
 * builder takes the settings and the origin, the reader takes Slack's `state.values` and
 * the current instant and answers either the input for the use-case or per-block errors
 * for `response_action: 'errors'`.
 */
import type { KnownBlock, ModalView, PlainTextOption } from '@slack/types';
import { isAppError } from '../../shared/errors.ts';
import { type ExpiryInput, type ExpiryPolicy, resolveExpiry } from '../../tokens/expiry.ts';
import { DEFAULT_TOKEN_NAME, MAX_NAME_LENGTH, validateTokenName } from '../../tokens/tokens.usecases.ts';
import { ACTION, BLOCK, CALLBACK } from '../ids.ts';

export const EXPIRY_PRESETS = [7, 30, 60, 90, 180, 365] as const;

/** Where the flow started: a channel (the command's) or the App Home. Decides where the token goes. */
export type GenerateOrigin = { kind: 'channel'; channelId: string } | { kind: 'home' };

export const HOME_ORIGIN = 'home';

export const encodeGenerateMetadata = (origin: GenerateOrigin): string =>
  JSON.stringify({ origin: origin.kind === 'home' ? HOME_ORIGIN : origin.channelId });

/** Anything unreadable means "home": the token then goes to the admin's DM, which always exists. */
export const decodeGenerateMetadata = (raw: string | undefined): GenerateOrigin => {
  try {
    const parsed: unknown = JSON.parse(raw ?? '');
    const origin = (parsed as { origin?: unknown } | null)?.origin;
    if (typeof origin === 'string' && /^[CDG][A-Z0-9]{2,}$/.test(origin)) {
      return { kind: 'channel', channelId: origin };
    }
  } catch {
    // fall through
  }
  return { kind: 'home' };
};

const plain = (text: string) => ({ type: 'plain_text' as const, text, emoji: true });

const daysLabel = (days: number) =>
  days === 365 ? '365 days (1 year)' : `${days} day${days === 1 ? '' : 's'}`;

const presetOption = (days: number, defaultDays: number): PlainTextOption => ({
  text: plain(days === defaultDays ? `${daysLabel(days)} — default` : daysLabel(days)),
  value: String(days),
});

/** The presets a policy allows; the default lifetime is always offered, even when it is not a preset. */
export const expiryPresets = (policy: ExpiryPolicy): number[] =>
  [...new Set([...EXPIRY_PRESETS.filter((d) => d <= policy.maxDays), policy.defaultDays])].sort(
    (a, b) => a - b,
  );

export interface GenerateModalInput {
  policy: ExpiryPolicy;
  origin: GenerateOrigin;
  /** Prefills the owner picker (from `generate @person` or a Generate button). */
  initialSlackUserId?: string | undefined;
}

export const generateModal = (input: GenerateModalInput): ModalView => {
  const { policy } = input;
  const options = expiryPresets(policy).map((d) => presetOption(d, policy.defaultDays));
  const initial = options.find((o) => o.value === String(policy.defaultDays));
  const blocks: KnownBlock[] = [
    {
      type: 'input',
      block_id: BLOCK.owner,
      label: plain('Who is the token for?'),
      element: {
        type: 'users_select',
        action_id: ACTION.ownerSelect,
        placeholder: plain('Choose a person'),
        ...(input.initialSlackUserId ? { initial_user: input.initialSlackUserId } : {}),
      },
    },
    {
      type: 'input',
      block_id: BLOCK.name,
      optional: true,
      label: plain('Token name'),
      hint: plain(`What it is for, e.g. "CI deploys". Empty means "${DEFAULT_TOKEN_NAME}".`),
      element: {
        type: 'plain_text_input',
        action_id: ACTION.nameInput,
        max_length: MAX_NAME_LENGTH,
        placeholder: plain(DEFAULT_TOKEN_NAME),
      },
    },
    {
      type: 'input',
      block_id: BLOCK.expiryPreset,
      label: plain('Expires in'),
      element: {
        type: 'static_select',
        action_id: ACTION.expiryPreset,
        options,
        ...(initial ? { initial_option: initial } : {}),
      },
    },
    {
      type: 'input',
      block_id: BLOCK.expiryDate,
      optional: true,
      label: plain('…or expires after this date'),
      hint: plain(
        `Overrides "Expires in". The token works through the whole day (UTC); at most ${policy.maxDays} days ahead.`,
      ),
      element: { type: 'datepicker', action_id: ACTION.expiryDate, placeholder: plain('Pick a date') },
    },
    {
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text: ':lock: The token is shown once, only to you, in a message you can dismiss. Tokendesk keeps only a hash.',
        },
      ],
    },
  ];
  return {
    type: 'modal',
    callback_id: CALLBACK.generateModal,
    title: plain('Generate API token'),
    submit: plain('Generate'),
    close: plain('Cancel'),
    private_metadata: encodeGenerateMetadata(input.origin),
    blocks,
  };
};

/** What no-one may generate with: the opened modal turned into a notice, with nothing to submit. */
/** The modal once it cannot be used: why, and no submit button. */
export const generateRefusalModal = (text: string, emoji = ':no_entry:'): ModalView => ({
  type: 'modal',
  title: plain('Generate API token'),
  close: plain('Close'),
  blocks: [{ type: 'section', text: { type: 'mrkdwn', text: `${emoji} ${text}`.slice(0, 3000) } }],
});

// ----- reading a submission -----

/** Slack's `view.state.values`, narrowed to the fields this modal reads. */
export type StateValues = Record<
  string,
  Record<
    string,
    {
      type?: string;
      value?: string | null;
      selected_user?: string | null;
      selected_date?: string | null;
      selected_option?: { value?: string } | null;
    }
  >
>;

export type BlockErrors = Partial<Record<(typeof BLOCK)[keyof typeof BLOCK], string>>;

export interface GenerateRequest {
  ownerSlackUserId: string;
  name: string;
  expiry: ExpiryInput;
  expiresAt: Date;
}

export type GenerateReading = { ok: true; request: GenerateRequest } | { ok: false; errors: BlockErrors };

const field = (values: StateValues, block: string, action: string) => values[block]?.[action];

/** Checks everything that needs no Slack call and no database: owner chosen, name, lifetime. */
export const readGenerateSubmission = (
  values: StateValues,
  now: Date,
  policy: ExpiryPolicy,
): GenerateReading => {
  const errors: BlockErrors = {};
  const owner = field(values, BLOCK.owner, ACTION.ownerSelect)?.selected_user ?? '';
  if (!/^[UW][A-Z0-9]{2,}$/.test(owner)) errors[BLOCK.owner] = 'Choose the person the token is for.';

  let name = DEFAULT_TOKEN_NAME;
  try {
    name = validateTokenName(field(values, BLOCK.name, ACTION.nameInput)?.value ?? undefined);
  } catch (error) {
    errors[BLOCK.name] = isAppError(error) ? `${error.message}.` : 'This name cannot be used.';
  }

  const date = field(values, BLOCK.expiryDate, ACTION.expiryDate)?.selected_date ?? '';
  const preset = field(values, BLOCK.expiryPreset, ACTION.expiryPreset)?.selected_option?.value ?? '';
  // The date picker wins; a preset is only read when no date was picked.
  const block = date ? BLOCK.expiryDate : BLOCK.expiryPreset;
  let expiry: ExpiryInput;
  let expiresAt: Date | undefined;
  if (date) {
    expiry = { onDate: date };
  } else if (expiryPresets(policy).includes(Number(preset))) {
    expiry = { inDays: Number(preset) };
  } else if (preset === '') {
    expiry = undefined;
  } else {
    errors[BLOCK.expiryPreset] = 'Choose one of the listed lifetimes.';
  }
  if (!errors[BLOCK.expiryPreset]) {
    try {
      expiresAt = resolveExpiry(expiry, now, policy);
    } catch (error) {
      errors[block] = isAppError(error) ? `${error.message}.` : 'This date cannot be used.';
    }
  }

  if (Object.keys(errors).length > 0 || !expiresAt) return { ok: false, errors };
  return { ok: true, request: { ownerSlackUserId: owner, name, expiry, expiresAt } };
};
