/**
 * `tokendesk reminders run`: one reminder sweep now — the same sweep every app instance
 * runs on its timer, so running it beside live instances is safe (Postgres hands each due
 * reminder to one sweep). Slack is needed: reminders are DMs.
 */
import { secretValues } from '../config.ts';
import { describeSummary } from '../reminders/reminders.models.ts';
import { createLogger } from '../shared/logger.ts';
import { createBackgroundDeliveries } from '../slack/reminders/background.ts';
import { UsageError } from './args.ts';
import type { Command } from './command.ts';

export const remindersCommands: Command[] = [
  {
    name: 'reminders run',
    summary: 'Send the expiry reminders that are due now (one sweep) and print a summary',
    run: async (ctx) => {
      if (!ctx.config.slackBotToken) {
        throw new UsageError('SLACK_BOT_TOKEN is not set, and reminders are Slack DMs', 'reminders run');
      }
      // Retries and escalations are worth a line on stderr; the summary is the result.
      const logger = createLogger({
        level: 'warn',
        sink: (line) => ctx.note(line),
        secrets: secretValues(ctx.config),
      });
      const background = createBackgroundDeliveries({ services: ctx.services, config: ctx.config, logger });
      ctx.out(describeSummary(await background.runReminderSweep()));
    },
  },
];
