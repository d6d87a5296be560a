// Ceilings over UTC hours and days, counted in `usage_counters`: hits (model replies, lead writes) and, for
// replies, the tokens they used. A count runs inside the caller's transaction; a refusal throws, and the
// rollback takes the refused hit back, so concurrent callers are admitted exactly up to the ceiling.
import type { Statement } from '../db/pipeline.ts';
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

/** Counts one hit in every ceiling's current window (one statement) and refuses with 429 when one is full. */
export async function countUsage(
  tx: Queryable,
  orgId: string,
  ceilings: Ceiling[],
): Promise<CountedWindow[]> {
  if (ceilings.length === 0) return [];
  const { text, params } = countUsageStatement(orgId, ceilings);
  return (await tx.query<CountedWindow>(text, params).catch(refusedBy(ceilings))) as CountedWindow[];
}

/**
 * countUsage's statement, to be sent with others (see pipeline.ts). It fails when a ceiling is full (SQLSTATE
 * CL429, migration 20261130100000), undoing its own counts; `refusedBy` turns that into the 429.
 */
export function countUsageStatement(orgId: string, ceilings: Ceiling[]): Statement {
  // The window is part of the stored bucket: an hour and a day can start at the same instant. Rows are
  // locked in bucket order by every caller, so concurrent counts cannot deadlock.
  return {
    text: `select counted_window as bucket, window_epoch as start from public.count_usage($1, $2::text[], $3::text[], $4::bigint[], $5::bigint[])`,
    params: [
      orgId,
      ceilings.map((c) => `${c.bucket}/${c.window}`),
      ceilings.map((c) => c.window),
      ceilings.map((c) => c.maxHits),
      ceilings.map((c) => c.maxTokens ?? null),
    ],
  };
}

/** Rethrows a full window as 429 `rate_limited` with Retry-After and the ceiling's own message. */
export function refusedBy(ceilings: Ceiling[]) {
  return (error: unknown): never => {
    const full =
      (error as { code?: unknown })?.code === 'CL429'
        ? /^(\d+):(\d+)$/.exec(String((error as { message?: unknown }).message))
        : null;
    const ceiling = full ? ceilings[Number(full[1]) - 1] : undefined;
    if (!full || !ceiling) throw error;
    const wait = Math.max(1, Number(full[2]));
    throw new ApiError('rate_limited', ceiling.refusal(wait), { headers: { 'retry-after': String(wait) } });
  };
}

// The windows' rows locked in bucket order, as count_usage locks them: an UPDATE … FROM locks in whatever order
// its join runs, and two such statements deadlocked with each other under load.
const lockedInOrder = `with locked as (
  select u.bucket, u.window_start from public.usage_counters u
  join unnest($1::text[], $2::float8[]) as w(bucket, start)
    on u.bucket = w.bucket and u.window_start = to_timestamp(w.start)
  order by u.bucket, u.window_start for update of u)`;

/** Adds the tokens a reply used to the windows it was counted in: the statement, or null when nothing to add. */
export function addTokensStatement(windows: CountedWindow[], tokens: number): Statement | null {
  if (windows.length === 0 || tokens <= 0) return null;
  return {
    text: `${lockedInOrder} update public.usage_counters u set tokens = u.tokens + $3
     from locked where u.bucket = locked.bucket and u.window_start = locked.window_start`,
    params: [windows.map((w) => w.bucket), windows.map((w) => w.start), tokens],
  };
}

/** Takes a hit back (the work it was counted for did not happen): the statement, or null when none counted. */
export function takeBackStatement(windows: CountedWindow[]): Statement | null {
  if (windows.length === 0) return null;
  return {
    text: `${lockedInOrder} update public.usage_counters u set hits = greatest(u.hits - 1, 0)
     from locked where u.bucket = locked.bucket and u.window_start = locked.window_start`,
    params: [windows.map((w) => w.bucket), windows.map((w) => w.start)],
  };
}
