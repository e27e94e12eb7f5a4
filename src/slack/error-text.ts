/**
 * The one place where errors become words for Slack users. Expected domain errors say
 * what went wrong; anything else (a database outage, a bug) says "try again" without
 * internals, and is logged by the caller.
 */
import { isAppError } from '../shared/errors.ts';

export const ASK_AN_ADMIN = 'Only Tokendesk admins can do that. Ask an admin if you need it done.';
export const TEMPORARILY_UNAVAILABLE =
  ':warning: Tokendesk is temporarily unavailable. Nothing was changed; please try again in a minute.';

export const errorText = (error: unknown): string => {
  if (!isAppError(error)) return TEMPORARILY_UNAVAILABLE;
  switch (error.code) {
    case 'auth.forbidden':
      return ASK_AN_ADMIN;
    case 'auth.unknown_actor':
    case 'users.deactivated':
    case 'users.not_found':
    case 'users.invalid_email':
    case 'users.last_admin':
    case 'tokens.not_found':
    case 'tokens.invalid_name':
    case 'tokens.invalid_expiry':
      return error.message;
    default:
      return TEMPORARILY_UNAVAILABLE;
  }
};

/** Expected errors need no log line above info; the rest are incidents. */
export const isExpected = (error: unknown): boolean => isAppError(error) && error.code !== 'db.unavailable';
