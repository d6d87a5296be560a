// Retention: conversations older than an organisation's period are deleted, and leads kept, anonymised or
// deleted as it chose. One SQL function does the work (migration 20261201080000); it runs daily by pg_cron on
// Supabase and from the worker loop of `pnpm start` and `pnpm serve`.

import type { RetentionReport, RetentionSettings } from '@closer/contract';
import { type RepeatedJob, runEvery } from '../background.ts';
import type { Database, Queryable } from '../db/types.ts';

interface RetentionRow {
  org_id: string;
  conversations: number;
  messages: number;
  leads: number;
}

/** The organisation's settings and what a run would remove today (inside its tenant transaction). */
export async function retentionReport(tx: Queryable): Promise<RetentionReport> {
  const [settings] = await tx.query<{
    retention_days: number | null;
    lead_retention: RetentionSettings['leadRetention'];
  }>('select retention_days, lead_retention from public.organizations where id = public.current_org_id()');
  const [due] = await tx.query<RetentionRow>('select * from public.apply_retention(true)');
  return {
    retentionDays: settings?.retention_days ?? null,
    leadRetention: settings?.lead_retention ?? 'keep',
    due: { conversations: due?.conversations ?? 0, messages: due?.messages ?? 0, leads: due?.leads ?? 0 },
  };
}

/** Applies every organisation's retention (the worker's call, as the database owner). */
export async function applyRetention(db: Database): Promise<RetentionRow[]> {
  return db.transaction((tx) =>
    tx.query<RetentionRow>(
      'select * from public.apply_retention(false) where conversations > 0 or leads > 0',
    ),
  );
}

/** Runs applyRetention now and then every `everyMs` (default hourly; a run with nothing due costs one query). */
export function startRetentionWorker(db: Database, everyMs = 3_600_000): RepeatedJob {
  const run = async () => {
    for (const row of await applyRetention(db))
      console.log(JSON.stringify({ level: 'info', msg: 'retention applied', ...row }));
  };
  return runEvery(everyMs, 'retention worker', run, { now: true });
}
