// The dashboard's query: a period of whole days in a time zone.
import * as z from 'zod/mini';
import { id } from '../common.ts';

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
