// Ceilings over UTC hours and days, counted in `usage_counters`: hits (model replies, lead writes) and, for
// replies, the tokens they used. A count runs inside the caller's transaction; a refusal throws, and the
// rollback takes the refused hit back, so concurrent callers are admitted exactly up to the ceiling.
import type { Queryable } from '../db/types.ts';
import { ApiError } from '../http/errors.ts';

export type UsageWindow = 'hour' | 'day';

export interface Ceiling {
  /** What is counted, e.g. `replies:agent:<id>`; one row per bucket and window. */
  bucket: string;
  window: UsageWindow;
  /** Most hits in one window. */
  maxHits: number;
  /** Most tokens in one window: a window that already used this many refuses the next hit. */
  maxTokens?: number;
  /** The refusal's message, given the retry wait in seconds. */
  refusal: (retryAfter: number) => string;
}

/** A window that was counted, to add tokens to it later or to take the hit back. */
export interface CountedWindow {
  bucket: string;
  /** Start of the window in epoch seconds. */
  start: number;
}

interface CounterRow {
  bucket: string;
  start: number;
  hits: number;
  tokens: string | number;
  retry_after: number;
}

/** Counts one hit in every ceiling's current window (one statement) and refuses with 429 when one is full. */
export async function countUsage(
  tx: Queryable,
  orgId: string,
  ceilings: Ceiling[],
): Promise<CountedWindow[]> {
  if (ceilings.length === 0) return [];
  // The window is part of the stored bucket: an hour and a day can start at the same instant. Rows are
  // locked in one order by every caller, so concurrent counts cannot deadlock.
  const stored = ceilings.map((c) => `${c.bucket}/${c.window}`);
  const rows = await tx.query<CounterRow>(
    `insert into public.usage_counters as u (org_id, bucket, window_start, window_end, hits)
     select $1, w.bucket, date_trunc(w.unit, now(), 'UTC'), date_trunc(w.unit, now(), 'UTC') + ('1 ' || w.unit)::interval, 1
     from unnest($2::text[], $3::text[]) as w(bucket, unit)
     order by w.bucket
     on conflict (bucket, window_start) do update set hits = u.hits + 1
     returning u.bucket, extract(epoch from u.window_start)::float8 as start, u.hits, u.tokens,
       ceil(extract(epoch from u.window_end - now()))::int as retry_after`,
    [orgId, stored, ceilings.map((c) => c.window)],
  );
  for (const [i, ceiling] of ceilings.entries()) {
    const row = rows.find((r) => r.bucket === stored[i]);
    if (!row) continue;
    const full =
      row.hits > ceiling.maxHits ||
      (ceiling.maxTokens !== undefined && Number(row.tokens) >= ceiling.maxTokens);
    if (full) {
      const wait = Math.max(1, row.retry_after);
      throw new ApiError('rate_limited', ceiling.refusal(wait), { headers: { 'retry-after': String(wait) } });
    }
  }
  return rows.map((r) => ({ bucket: r.bucket, start: r.start }));
}

/** Adds the tokens a reply used to the windows it was counted in. */
export async function addTokens(tx: Queryable, windows: CountedWindow[], tokens: number): Promise<void> {
  if (windows.length === 0 || tokens <= 0) return;
  await tx.query(
    `update public.usage_counters u set tokens = u.tokens + $3
     from unnest($1::text[], $2::float8[]) as w(bucket, start)
     where u.bucket = w.bucket and u.window_start = to_timestamp(w.start)`,
    [windows.map((w) => w.bucket), windows.map((w) => w.start), tokens],
  );
}

/** Takes a hit back (the work it was counted for did not happen). */
export async function takeBack(tx: Queryable, windows: CountedWindow[]): Promise<void> {
  if (windows.length === 0) return;
  await tx.query(
    `update public.usage_counters u set hits = greatest(u.hits - 1, 0)
     from unnest($1::text[], $2::float8[]) as w(bucket, start)
     where u.bucket = w.bucket and u.window_start = to_timestamp(w.start)`,
    [windows.map((w) => w.bucket), windows.map((w) => w.start)],
  );
}
