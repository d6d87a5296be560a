// Kommo allows 7 requests a second per account and blocks the address of repeat offenders. Two pacers keep
// under it: one spaces this instance's requests evenly, the other counts every instance's requests in
// Postgres (one-second windows in `rate_limits`) and waits for the next second when this one is full.
import { withTenant } from '../db/tenant.ts';
import type { Database } from '../db/types.ts';

export const KOMMO_REQUESTS_PER_SECOND = 7;

/** Resolves when a request to this account may go. */
export type Pacer = (subdomain: string) => Promise<void>;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Even spacing within one process. */
export function localPacer(perSecond = KOMMO_REQUESTS_PER_SECOND): Pacer {
  const gap = Math.ceil(1000 / perSecond);
  const nextSlot = new Map<string, number>();
  return async (subdomain) => {
    const now = Date.now();
    const slot = Math.max(now, nextSlot.get(subdomain) ?? 0);
    nextSlot.set(subdomain, slot + gap);
    if (slot > now) await sleep(slot - now);
  };
}

/**
 * One count per account and second, shared by every function instance through Postgres. It admits one fewer
 * than Kommo's limit: a request let through at the very end of a second may reach Kommo in the next one.
 */
export function postgresPacer(db: Database, orgId: string, perSecond = KOMMO_REQUESTS_PER_SECOND - 1): Pacer {
  return async (subdomain) => {
    for (let tries = 0; tries < 50; tries++) {
      const [window] = await withTenant(db, { role: 'authenticated', org_id: orgId }, (tx) =>
        tx.query<{ hits: number; wait_ms: number }>(
          `insert into public.rate_limits (org_id, bucket, window_start, hits)
           values ($1, $2, date_trunc('second', clock_timestamp()), 1)
           on conflict (bucket, window_start) do update set hits = public.rate_limits.hits + 1
           returning hits,
             greatest(0, extract(epoch from window_start + interval '1 second' - clock_timestamp()) * 1000)::float8
               as wait_ms`,
          // Per organisation too: rows are tenant-scoped (two organisations on one Kommo account count apart).
          [orgId, `kommo:${orgId}:${subdomain}`],
        ),
      );
      if (!window || window.hits <= perSecond) return;
      // This second is full everywhere: try again in the next one, spread a little so instances do not collide.
      await sleep(window.wait_ms + Math.random() * 50);
    }
  };
}

/** The process-wide spacing every Kommo client shares. */
export const processPacer = localPacer();
