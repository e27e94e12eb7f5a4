/**
 * Drizzle prepared statements, built once per database rather than per call. For a lookup
 * by primary key drizzle's query building costs about as much as the lookup itself (on
 * PGlite and on Postgres alike), and on Postgres the statement text then stays identical,
 * so postgres.js reuses one server-side prepared statement per connection. For hot paths
 * only (verification, identifying the sender of every Slack request).
 */
import type { Executor } from './client.ts';

export const preparedPerDatabase = <P>(build: (executor: Executor) => P): ((executor: Executor) => P) => {
  const built = new WeakMap<Executor, P>();
  return (executor) => {
    let statement = built.get(executor);
    if (!statement) {
      statement = build(executor);
      built.set(executor, statement);
    }
    return statement;
  };
};
