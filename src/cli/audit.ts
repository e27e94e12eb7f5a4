/** `tokendesk audit`: the newest audit events, who did what to whom; or all of them, streamed. */
import type { AuditEventWithEmails } from '../audit/audit.repository.ts';
import { OPERATOR } from '../shared/actor.ts';
import type { Command } from './command.ts';
import { cell, formatInstant, formatJson, formatTable, writeDrained } from './output.ts';

/** What --json and --all print per event; audit events never hold a secret. */
const eventJson = (e: AuditEventWithEmails) => ({
  id: e.id,
  at: e.at,
  actorId: e.actorId,
  actorLabel: e.actorLabel,
  actorEmail: e.actorEmail,
  action: e.action,
  subjectUserId: e.subjectUserId,
  subjectEmail: e.subjectEmail,
  tokenId: e.tokenId,
  details: e.details,
});

export const auditCommands: Command[] = [
  {
    name: 'audit',
    summary: 'Show the newest audit events, or export them all',
    options: {
      limit: { type: 'string', value: 'N', description: 'how many events (1-1000, default 50)' },
      before: { type: 'string', value: 'ID', description: 'only events older than this event id (paging)' },
      user: { type: 'string', value: 'E', description: 'only events about this user' },
      json: { type: 'boolean', description: 'print JSON instead of a table' },
      all: {
        type: 'boolean',
        description: 'every event, oldest first, one JSON object per line (streamed; for exports)',
      },
    },
    run: async (ctx, args) => {
      const all = args.flag('all');
      if (all && (args.string('limit') !== undefined || args.string('before') !== undefined)) {
        throw args.usageError('--all exports every event; give it without --limit and --before');
      }
      const limit = args.integer('limit', 1, 1000) ?? 50;
      const beforeId = args.integer('before', 1, Number.MAX_SAFE_INTEGER);
      const email = args.string('user');
      const subjectUserId =
        email === undefined ? undefined : (await ctx.services.users.getUserByEmail(email)).id;

      if (all) {
        await ctx.services.audit.exportAll(OPERATOR, { subjectUserId }, (events) =>
          writeDrained(ctx.io.stdout, events.map((e) => `${JSON.stringify(eventJson(e))}\n`).join('')),
        );
        return;
      }
      const events = await ctx.services.audit.latest(OPERATOR, { limit, beforeId, subjectUserId });
      if (args.flag('json')) {
        ctx.out(formatJson(events.map(eventJson)));
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
        cell(e.subjectEmail ?? e.subjectUserId),
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
