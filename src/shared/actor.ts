/**
 * Who is asking. The CLI acts as the built-in operator; everyone else is a user whose
 * role is re-read from the database by every use-case, so a demotion takes effect at once.
 */
export type Actor = { kind: 'operator'; label: string } | { kind: 'user'; userId: string; label: string };

export const OPERATOR: Actor = { kind: 'operator', label: 'operator:cli' };

export const userActor = (userId: string, label: string): Actor => ({ kind: 'user', userId, label });
