// A dashboard time zone must be one the database knows by name: Postgres would otherwise fail on it (an unknown
// name) or read it as a POSIX offset with the sign reversed ("+01:00" is an hour *behind* UTC there).
import type { Queryable } from '../db/types.ts';
import { ApiError } from '../http/errors.ts';

// Zone names do not change while a process runs; pg_timezone_names is slow to scan, so known ones are kept.
const known = new Set<string>(['UTC']);

/** Refuses (422 on `tz`) a zone that is not a name in `pg_timezone_names`. */
export async function requireKnownTimeZone(tx: Queryable, tz: string): Promise<void> {
  if (known.has(tz)) return;
  const rows = await tx.query('select 1 from pg_catalog.pg_timezone_names where name = $1', [tz]);
  if (rows.length === 0) {
    throw new ApiError('validation_failed', 'The query is not valid', {
      details: [
        { path: ['tz'], message: `unknown time zone "${tz}": use an IANA name such as "Europe/Madrid"` },
      ],
    });
  }
  known.add(tz);
}
