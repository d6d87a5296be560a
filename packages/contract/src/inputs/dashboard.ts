// The dashboard's query: a period of whole days in a time zone.
import * as z from 'zod/mini';
import { calendarDate, id, storableString } from '../common.ts';

/**
 * An IANA time zone name ("Europe/Madrid", "UTC"). The server also checks that its Postgres knows the zone
 * (`pg_timezone_names`). POSIX strings such as "+01:00" are refused: Postgres reads their sign backwards.
 */
export const timeZone = storableString().check(
  z.maxLength(64),
  z.regex(
    /^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/,
    'must be an IANA time zone such as "Europe/Madrid"',
  ),
);

export const dashboardQuery = z.object({
  from: calendarDate,
  to: calendarDate,
  agentId: z.optional(id),
  tz: z._default(timeZone, 'UTC'),
});

/** `GET /dashboard/knowledge-gaps`: the dashboard's period, and how many gaps (groups) to answer. */
export const knowledgeGapsQuery = z.extend(dashboardQuery, {
  limit: z._default(z.coerce.number().check(z.int(), z.gte(1), z.lte(100)), 20),
});
export type KnowledgeGapsQuery = z.infer<typeof knowledgeGapsQuery>;
