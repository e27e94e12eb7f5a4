/** (d) One reminder sweep over 100k active tokens; filled in by the reminders module. */
export const measureSweep = async (
  _databaseUrl: string,
): Promise<{ sweepMs: number; tokens: number } | undefined> => undefined;
