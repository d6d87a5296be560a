// Dashboard statistics over a period, in the caller's time zone.
import * as z from 'zod/mini';
import { id } from './common.ts';

const timeZone = z.string().check(
  z.refine((tz) => {
    try {
      new Intl.DateTimeFormat('en', { timeZone: tz });
      return true;
    } catch {
      return false;
    }
  }, 'must be an IANA time zone such as "Europe/Madrid"'),
);

const day = z.iso.date();

export const dashboardQuery = z.object({
  from: day,
  to: day,
  agentId: z.optional(id),
  tz: z._default(timeZone, 'UTC'),
});

const counts = {
  conversations: z.number(),
  visitorMessages: z.number(),
  leads: z.number(),
};

export const dashboard = z.object({
  from: day,
  to: day,
  tz: z.string(),
  totals: z.object({
    ...counts,
    /** leads ÷ conversations, 0 when there were no conversations. */
    conversionRate: z.number(),
    inputTokens: z.number(),
    outputTokens: z.number(),
  }),
  daily: z.array(z.object({ date: day, ...counts })),
  agents: z.array(z.object({ agentId: id, name: z.string(), ...counts, conversionRate: z.number() })),
  topObjections: z.array(z.object({ objectionId: id, objection: z.string(), uses: z.number() })),
});
export type Dashboard = z.infer<typeof dashboard>;
