// Dashboard statistics over a period, in the caller's time zone.
import * as z from 'zod/mini';
import { id } from './common.ts';

const day = z.iso.date();

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
