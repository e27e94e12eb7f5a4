/**
 * Coded domain errors. Use-cases throw these; each edge (Slack, HTTP, CLI) turns
 * the code into user-facing text in exactly one place.
 */
export type ErrorCode =
  | 'auth.forbidden'
  | 'auth.unknown_actor'
  | 'users.not_found'
  | 'users.invalid_email'
  | 'users.deactivated'
  | 'users.last_admin'
  | 'tokens.not_found'
  | 'tokens.invalid_name'
  | 'tokens.invalid_expiry'
  | 'config.invalid'
  | 'db.unavailable'
  | 'db.locked';

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = 'AppError';
    this.code = code;
    this.details = details;
  }
}

export const isAppError = (error: unknown, code?: ErrorCode): error is AppError =>
  error instanceof AppError && (code === undefined || error.code === code);
