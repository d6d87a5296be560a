// The dashboard's CRM side: the Kommo connection's state, and where the period's leads stand in sync and in
// the sales pipeline (won and lost come back through Kommo's webhooks).
import type { Dashboard } from '@closer/contract';
import type { Queryable } from '../db/types.ts';
import { isoOrNull } from '../resources/time.ts';
import { type DashboardPeriod, IN_PERIOD, OF_AGENT, PERIOD, periodParams } from './period.ts';

export async function crmFigures(
  tx: Queryable,
  period: DashboardPeriod,
): Promise<Pick<Dashboard, 'leadOutcomes' | 'crm'>> {
  const [leads] = await tx.query<Record<string, number>>(
    `${PERIOD}
    select
      count(*) filter (where l.status = 'new')::int as new,
      count(*) filter (where l.status = 'in_progress')::int as in_progress,
      count(*) filter (where l.status = 'won')::int as won,
      count(*) filter (where l.status = 'lost')::int as lost,
      count(*) filter (where l.crm_state = 'pending')::int as pending,
      count(*) filter (where l.crm_state = 'synced')::int as synced,
      count(*) filter (where l.crm_state = 'failed')::int as failed
    from public.leads l where ${IN_PERIOD('l.created_at')} and ${OF_AGENT('l.agent_id')}`,
    periodParams(period),
  );
  const [connection] = await tx.query<{ status: string; last_error: string | null; last_sync_at: unknown }>(
    'select status, last_error, last_sync_at from public.kommo_connections',
  );
  const n = (key: string) => leads?.[key] ?? 0;
  return {
    leadOutcomes: { new: n('new'), inProgress: n('in_progress'), won: n('won'), lost: n('lost') },
    crm: {
      status: (connection?.status ?? 'not_connected') as Dashboard['crm']['status'],
      lastError: connection?.last_error ?? null,
      lastSyncAt: isoOrNull(connection?.last_sync_at),
      leads: { pending: n('pending'), synced: n('synced'), failed: n('failed') },
    },
  };
}
