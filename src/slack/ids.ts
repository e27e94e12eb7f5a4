/**
 * Every Slack id Tokendesk puts into a surface. View builders and listeners import these
 * constants, so a renamed id can never leave a button without its handler.
 */
export const CALLBACK = {
  generateModal: 'tokendesk.generate',
  /** The read-only modal listing one owner's tokens (opened by View tokens on the App Home). */
  tokensModal: 'tokendesk.tokens',
  /** The App Home; its private_metadata holds the page the reader is on. */
  home: 'tokendesk.home',
} as const;

export const ACTION = {
  /** A Revoke button (style danger, confirm-guarded); value = token id. */
  revokeToken: 'tokendesk.revoke_token',
  /** The Done button under a delivered token: deletes the ephemeral through its response_url. */
  dismissToken: 'tokendesk.dismiss_token',
  /** Opens the generate modal; value = owner user id (optional). */
  openGenerate: 'tokendesk.open_generate',
  /** Shows an owner's tokens; value = user id. */
  viewTokens: 'tokendesk.view_tokens',
  /** Pagination buttons; value = JSON {kind, ...cursor}. */
  page: 'tokendesk.page',
  /** The Previous button beside Next: Slack wants action ids unique within one actions block. */
  pagePrevious: 'tokendesk.page_previous',
  /** A token owner asking for a new token from a reminder DM; value = token id. */
  requestRenewal: 'tokendesk.request_renewal',
  /** Inside the generate modal. */
  ownerSelect: 'tokendesk.owner',
  nameInput: 'tokendesk.name',
  expiryPreset: 'tokendesk.expiry_preset',
  expiryDate: 'tokendesk.expiry_date',
} as const;

export const BLOCK = {
  owner: 'owner',
  name: 'name',
  expiryPreset: 'expiry_preset',
  expiryDate: 'expiry_date',
  /** Prefix of a token row (`token|<id>|<cursor>`): the revoke handler reads which page it was on. */
  tokenRow: 'token',
  /** Prefix of a user row's actions block (`user|<id>`). */
  userRow: 'user',
  paging: 'paging',
} as const;

/** Which Slack listener kinds the app registers; the manifest test checks these against manifest.yml. */
export const EVENTS = ['app_home_opened', 'user_change'] as const;
