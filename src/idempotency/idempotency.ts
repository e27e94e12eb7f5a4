/**
 * "Do this once" for deliveries that may arrive twice: Slack retries a view submission,
 * a replay inside the signature window repeats it, an impatient admin double-clicks.
 * The first claim of a key wins; the database's primary key makes that true across
 * instances, so no in-memory set is involved.
 */
import type { Database } from '../db/client.ts';
import { processedSubmissions } from '../db/schema.ts';
import type { Clock } from '../shared/clock.ts';

export const MAX_KEY_LENGTH = 200;

export const createIdempotency = (deps: { db: Database; clock: Clock }) => ({
  /** True for the first claim of `key`, false for every later one. */
  claim: async (key: string): Promise<boolean> => {
    if (key.length === 0 || key.length > MAX_KEY_LENGTH) {
      throw new RangeError(`idempotency key must be 1 to ${MAX_KEY_LENGTH} characters`);
    }
    const claimed = await deps.db
      .insert(processedSubmissions)
      .values({ key, at: deps.clock.now() })
      .onConflictDoNothing()
      .returning({ key: processedSubmissions.key });
    return claimed.length > 0;
  },
});

export type Idempotency = ReturnType<typeof createIdempotency>;
