// Per-minute limits counted in Postgres, so a limit holds across every function instance. Windows are fixed
// minutes, but a request is judged by a sliding minute: the current window's hits plus the previous window's,
// weighted by how much of it the last 60 s still cover. Fixed windows alone admit twice the limit across a
// minute's boundary (the whole limit at 12:00:59 and again at 12:01:00).
import { inOrder, type Statement } from '../db/pipeline.ts';
import type { Queryable, Row } from '../db/types.ts';
import { ApiError } from '../http/errors.ts';

export interface RateLimit {
  bucket: string;
  limit: number;
  /** "from this address": completes "Too many messages …". */
  what: string;
  /** What is counted, in the refusal. @default "messages" */
  noun?: string;
}

const WINDOW_S = 60;

/** One bucket's counts: hits in this minute and the one before, and the seconds gone in this minute. */
export interface WindowCounts {
  bucket: string;
  hits: number;
  previous_hits: number;
  elapsed_s: number;
}

// The previous window's hits and the position in the current one, beside each bucket's current hits.
const withPreviousWindow = (current: string) => `
  select c.bucket, c.hits, coalesce(p.hits, 0) as previous_hits,
         extract(epoch from now() - date_trunc('minute', now()))::float8 as elapsed_s
  from ${current} c
  left join public.rate_limits p
    on p.bucket = c.bucket and p.window_start = date_trunc('minute', now()) - interval '1 minute'`;

/**
 * Counts one hit in each bucket, one statement for all (SQL function count_hits, migration 20261202170000). The
 * statement itself fails when a bucket has no room, so the transaction it ends rolls back whole, also when COMMIT
 * was written behind it; `refusedByLimits` turns that failure into the 429.
 */
export function countHitsStatement(orgId: string, limits: RateLimit[]): Statement {
  return {
    text: 'select counted_bucket, counted_hits from public.count_hits($1, $2::text[], $3::int[])',
    params: [orgId, limits.map((l) => l.bucket), limits.map((l) => l.limit)],
  };
}

/** count_hits' refusal: SQLSTATE CL429, "<index>:<hits>:<previous hits>:<seconds gone>". */
const FULL_BUCKET = /^(\d+):(\d+):(\d+):([\d.e+-]+)$/;

/** Rethrows count_hits' refusal as 429 `rate_limited` with Retry-After; any other failure as it is. */
export function refusedByLimits(limits: RateLimit[]): (error: unknown) => never {
  return (error) => {
    const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
    const full = code === 'CL429' ? FULL_BUCKET.exec(String(message)) : null;
    const limit = full ? limits[Number(full[1]) - 1] : undefined;
    if (!full || !limit) throw error;
    const counts = { hits: Number(full[2]), previous_hits: Number(full[3]), elapsed_s: Number(full[4]) };
    throw tooMany(limit, secondsUntilRoom(counts, limit.limit));
  };
}

/** The sliding minute's estimate of hits, with one more. */
export function slidingHits(counts: Omit<WindowCounts, 'bucket'>): number {
  const previousShare = Math.max(0, 1 - counts.elapsed_s / WINDOW_S);
  return counts.previous_hits * previousShare + counts.hits + 1;
}

/**
 * Seconds until one more hit fits, if nothing else arrives: while this minute's own hits leave room, until
 * enough of the previous minute has slid out; otherwise into the next minute, where this one becomes the previous.
 */
export function secondsUntilRoom(counts: Omit<WindowCounts, 'bucket'>, limit: number): number {
  const room = limit - 1;
  if (room < 0) return WINDOW_S;
  let wait: number;
  if (counts.hits <= room && counts.previous_hits > 0) {
    wait = WINDOW_S * (1 - (room - counts.hits) / counts.previous_hits) - counts.elapsed_s;
  } else {
    const intoNext = counts.hits > 0 ? WINDOW_S * (1 - room / counts.hits) : 0;
    wait = WINDOW_S - counts.elapsed_s + Math.max(0, intoNext);
  }
  // A hair below a whole second is float noise (60 × (1 − 2/3) is 20.000000000000004), not a second more.
  return Math.max(1, Math.ceil(wait - 1e-9));
}

/** Throws 429 for the first limit whose bucket has no room for one more hit in the sliding minute. */
function refuseOver(rows: WindowCounts[], limits: RateLimit[]): void {
  for (const limit of limits) {
    const row = rows.find((r) => r.bucket === limit.bucket);
    if (row && slidingHits(row) > limit.limit) throw tooMany(limit, secondsUntilRoom(row, limit.limit));
  }
}

const tooMany = (limit: RateLimit, wait: number) =>
  new ApiError(
    'rate_limited',
    `Too many ${limit.noun ?? 'messages'} ${limit.what}: at most ${limit.limit} a minute. Try again in ${wait} s.`,
    { headers: { 'retry-after': String(wait) } },
  );

/**
 * Reads the windows without counting or locking (sent with a turn's first statements): a bucket already at its
 * limit is refused at once, before the turn does any work. count_hits, at the end, is what holds exactly.
 */
export function peekHitsStatement(limits: RateLimit[]): Statement {
  return {
    text: `with current_window as (
       select b.bucket, coalesce(r.hits, 0) as hits from unnest($1::text[]) as b (bucket)
       left join public.rate_limits r on r.bucket = b.bucket and r.window_start = date_trunc('minute', now())
     ) ${withPreviousWindow('current_window')}`,
    params: [limits.map((l) => l.bucket)],
  };
}

/** Refuses (429) when peekHitsStatement's rows show a bucket with no room for one more hit. */
export function refuseWhenFull(rows: Row[], limits: RateLimit[]): void {
  refuseOver(rows as unknown as WindowCounts[], limits);
}

/** Old windows are of no use; sweep them now and then rather than on every request. */
export async function sweepOldWindows(tx: Queryable): Promise<void> {
  await inOrder(tx, SWEEP_OLD_WINDOWS);
}

/** sweepOldWindows' statements, to be sent with others. */
export const SWEEP_OLD_WINDOWS: readonly Statement[] = [
  { text: `delete from public.rate_limits where window_start < now() - interval '10 minutes'` },
  { text: `delete from public.usage_counters where window_end < now() - interval '1 hour'` },
];
