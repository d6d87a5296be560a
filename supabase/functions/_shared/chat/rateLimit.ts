// Fixed one-minute windows counted in Postgres, so a limit holds across every function instance.
import type { Queryable } from '../db/types.ts';
import { ApiError } from '../http/errors.ts';

export async function countHit(
  tx: Queryable,
  orgId: string,
  bucket: string,
  limit: number,
  what: string,
): Promise<void> {
  const [row] = await tx.query<{ hits: number; retry_after: number }>(
    `insert into public.rate_limits (org_id, bucket, window_start, hits)
     values ($1, $2, date_trunc('minute', now()), 1)
     on conflict (bucket, window_start) do update set hits = public.rate_limits.hits + 1
     returning hits, ceil(extract(epoch from date_trunc('minute', now()) + interval '1 minute' - now()))::int as retry_after`,
    [orgId, bucket],
  );
  if (row && row.hits > limit) {
    const wait = Math.max(1, row.retry_after);
    throw new ApiError(
      'rate_limited',
      `Too many messages ${what}: at most ${limit} a minute. Try again in ${wait} s.`,
      {
        headers: { 'retry-after': String(wait) },
      },
    );
  }
}

/** Old windows are of no use; sweep them now and then rather than on every request. */
export async function sweepOldWindows(tx: Queryable): Promise<void> {
  await tx.query(`delete from public.rate_limits where window_start < now() - interval '10 minutes'`);
}

/** The caller's address as the edge reports it (Supabase and most proxies set x-forwarded-for). */
export function clientIp(headers: Headers): string {
  const forwarded = headers.get('x-forwarded-for')?.split(',')[0]?.trim();
  return forwarded || headers.get('cf-connecting-ip') || headers.get('x-real-ip') || 'unknown';
}
