// Dashboard statistics over a period, in the caller's time zone.
import { z } from 'zod';
import { id } from './common.ts';

const timeZone = z.string().refine((tz) => {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}, 'must be an IANA time zone such as "Europe/Madrid"');

const day = z.iso.date();

export const dashboardQuery = z.object({
  from: day,
  to: day,
  agentId: id.optional(),
  tz: timeZone.default('UTC'),
});

const counts = {
  conversations: z.number().int(),
  visitorMessages: z.number().int(),
  leads: z.number().int(),
};

export const dashboard = z.object({
  from: day,
  to: day,
  tz: z.string(),
  totals: z.object({
    ...counts,
    /** leads ÷ conversations, 0 when there were no conversations. */
    conversionRate: z.number().min(0),
    inputTokens: z.number().int(),
    outputTokens: z.number().int(),
  }),
  daily: z.array(z.object({ date: day, ...counts })),
  agents: z.array(z.object({ agentId: id, name: z.string(), ...counts, conversionRate: z.number() })),
  topObjections: z.array(z.object({ objectionId: id, objection: z.string(), uses: z.number().int() })),
});
export type Dashboard = z.infer<typeof dashboard>;
