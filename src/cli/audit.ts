/** `tokendesk audit`: the newest audit events, who did what to whom. */
import { OPERATOR } from '../shared/actor.ts';
import type { Command } from './command.ts';
import { cell, formatInstant, formatJson, formatTable } from './output.ts';

export const auditCommands: Command[] = [
  {
    name: 'audit',
    summary: 'Show the newest audit events',
    options: {
      limit: { type: 'string', value: 'N', description: 'how many events (1-1000, default 50)' },
      before: { type: 'string', value: 'ID', description: 'only events older than this event id (paging)' },
      json: { type: 'boolean', description: 'print JSON instead of a table' },
    },
    run: async (ctx, args) => {
      const limit = args.integer('limit', 1, 1000) ?? 50;
      const beforeId = args.integer('before', 1, Number.MAX_SAFE_INTEGER);
      const events = await ctx.services.audit.list(OPERATOR, { limit, beforeId });
      // Subjects are stored as user ids; show their e-mails.
      const emails = new Map<string, string>();
      for (const id of new Set(events.map((e) => e.subjectUserId).filter((v): v is string => v !== null))) {
        const user = await ctx.services.repos.users.findById(ctx.services.db, id);
        if (user) emails.set(id, user.email);
      }
      const subject = (id: string | null) => (id === null ? null : (emails.get(id) ?? id));
      if (args.flag('json')) {
        ctx.out(
          formatJson(
            events.map((e) => ({
              id: e.id,
              at: e.at,
              actorId: e.actorId,
              actorLabel: e.actorLabel,
              action: e.action,
              subjectUserId: e.subjectUserId,
              subjectEmail: subject(e.subjectUserId),
              tokenId: e.tokenId,
              details: e.details,
            })),
          ),
        );
        return;
      }
      if (events.length === 0) {
        ctx.out('No audit events.');
        return;
      }
      const rows = events.map((e) => [
        String(e.id),
        formatInstant(e.at),
        cell(e.actorLabel, 40),
        e.action,
        cell(subject(e.subjectUserId)),
        e.tokenId ?? '-',
        Object.keys(e.details).length > 0 ? cell(JSON.stringify(e.details), 80) : '-',
      ]);
      for (const line of formatTable(
        ['ID', 'AT (UTC)', 'ACTOR', 'ACTION', 'SUBJECT', 'TOKEN', 'DETAILS'],
        rows,
      )) {
        ctx.out(line);
      }
    },
  },
];
