// Fixed one-minute windows counted in Postgres, so a limit holds across every function instance.
import type { Statement } from '../db/pipeline.ts';
import type { Queryable, Row } from '../db/types.ts';
import { ApiError } from '../http/errors.ts';

export interface RateLimit {
  bucket: string;
  limit: number;
  /** "from this address": completes "Too many messages …". */
  what: string;
}

/** Counts one hit in each bucket (one statement for all) and refuses with 429 when any is over its limit. */
export async function countHits(tx: Queryable, orgId: string, limits: RateLimit[]): Promise<void> {
  const rows = await tx.query<HitRow>(
    `insert into public.rate_limits (org_id, bucket, window_start, hits)
     select $1, bucket, date_trunc('minute', now()), 1 from unnest($2::text[]) as bucket
     on conflict (bucket, window_start) do update set hits = public.rate_limits.hits + 1
     returning bucket, hits, ceil(extract(epoch from date_trunc('minute', now()) + interval '1 minute' - now()))::int as retry_after`,
    [orgId, limits.map((l) => l.bucket)],
  );
  refuseOver(rows, limits, 0);
}

interface HitRow {
  bucket: string;
  hits: number;
  retry_after: number;
}

/** Throws 429 for the first limit whose bucket would be over it with `more` hits added. */
function refuseOver(rows: HitRow[], limits: RateLimit[], more: number): void {
  for (const limit of limits) {
    const row = rows.find((r) => r.bucket === limit.bucket);
    if (row && row.hits + more > limit.limit) {
      const wait = Math.max(1, row.retry_after);
      throw new ApiError(
        'rate_limited',
        `Too many messages ${limit.what}: at most ${limit.limit} a minute. Try again in ${wait} s.`,
        { headers: { 'retry-after': String(wait) } },
      );
    }
  }
}

/**
 * Reads the current windows without counting or locking (sent with a turn's first statements): a bucket already
 * at its limit is refused at once, before the turn does any work. countHits, at the end, is what holds exactly.
 */
export function peekHitsStatement(limits: RateLimit[]): Statement {
  return {
    text: `select bucket, hits, ceil(extract(epoch from date_trunc('minute', now()) + interval '1 minute' - now()))::int as retry_after
     from public.rate_limits where bucket = any($1::text[]) and window_start = date_trunc('minute', now())`,
    params: [limits.map((l) => l.bucket)],
  };
}

/** Refuses (429) when peekHitsStatement's rows show a bucket with no room for one more hit. */
export function refuseWhenFull(rows: Row[], limits: RateLimit[]): void {
  refuseOver(rows as unknown as HitRow[], limits, 1);
}

/** Old windows are of no use; sweep them now and then rather than on every request. */
export async function sweepOldWindows(tx: Queryable): Promise<void> {
  await tx.query(`delete from public.rate_limits where window_start < now() - interval '10 minutes'`);
  await tx.query(`delete from public.usage_counters where window_end < now() - interval '1 hour'`);
}
