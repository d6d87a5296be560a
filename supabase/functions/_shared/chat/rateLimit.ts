// Fixed one-minute windows counted in Postgres, so a limit holds across every function instance.
import type { Queryable } from '../db/types.ts';
import { ApiError } from '../http/errors.ts';

export interface RateLimit {
  bucket: string;
  limit: number;
  /** "from this address": completes "Too many messages …". */
  what: string;
}

/** Counts one hit in each bucket (one statement for all) and refuses with 429 when any is over its limit. */
export async function countHits(tx: Queryable, orgId: string, limits: RateLimit[]): Promise<void> {
  const rows = await tx.query<{ bucket: string; hits: number; retry_after: number }>(
    `insert into public.rate_limits (org_id, bucket, window_start, hits)
     select $1, bucket, date_trunc('minute', now()), 1 from unnest($2::text[]) as bucket
     on conflict (bucket, window_start) do update set hits = public.rate_limits.hits + 1
     returning bucket, hits, ceil(extract(epoch from date_trunc('minute', now()) + interval '1 minute' - now()))::int as retry_after`,
    [orgId, limits.map((l) => l.bucket)],
  );
  for (const limit of limits) {
    const row = rows.find((r) => r.bucket === limit.bucket);
    if (row && row.hits > limit.limit) {
      const wait = Math.max(1, row.retry_after);
      throw new ApiError(
        'rate_limited',
        `Too many messages ${limit.what}: at most ${limit.limit} a minute. Try again in ${wait} s.`,
        { headers: { 'retry-after': String(wait) } },
      );
    }
  }
}

/** Old windows are of no use; sweep them now and then rather than on every request. */
export async function sweepOldWindows(tx: Queryable): Promise<void> {
  await tx.query(`delete from public.rate_limits where window_start < now() - interval '10 minutes'`);
  await tx.query(`delete from public.usage_counters where window_end < now() - interval '1 hour'`);
}
