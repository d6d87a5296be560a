// The lead export: one CSV row per lead, oldest first, read in batches by (created_at, id).
import type { Queryable } from '../db/types.ts';
import type { CsvBatch } from '../http/csv.ts';
import type { Filters } from '../http/filters.ts';
import { iso, isoOrNull } from '../resources/time.ts';

const BATCH = 500;

export const LEAD_COLUMNS = [
  'id',
  'createdAt',
  'agentId',
  'agentName',
  'conversationId',
  'name',
  'email',
  'phone',
  'company',
  'need',
  'status',
  'crmProvider',
  'crmState',
  'crmExternalId',
  'crmError',
  'crmSyncedAt',
] as const;

/** Where a batch starts: the last row written, as microsecond text (a JS Date would lose precision). */
export interface ExportKey {
  at: string;
  id: string;
}

export const AT_MICROSECONDS = `to_char(t.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

export async function leadBatch(
  tx: Queryable,
  filters: Filters,
  after: ExportKey | null,
): Promise<CsvBatch<ExportKey>> {
  const where = [...filters.where];
  const params = [...filters.params];
  if (after) {
    params.push(after.at, after.id);
    where.push(`(t.created_at, t.id) > ($${params.length - 1}::timestamptz, $${params.length}::uuid)`);
  }
  const rows = await tx.query<Record<string, unknown> & { _at: string; id: string }>(
    `select ${AT_MICROSECONDS} as _at, t.*, a.name as agent_name
     from public.leads t left join public.agents a on a.id = t.agent_id
     ${where.length ? `where ${where.join(' and ')}` : ''}
     order by t.created_at, t.id limit ${BATCH}`,
    params,
  );
  const last = rows.at(-1);
  return {
    records: rows.map((row) => [
      row.id,
      iso(row.created_at),
      row.agent_id,
      row.agent_name,
      row.conversation_id,
      row.name,
      row.email,
      row.phone,
      row.company,
      row.need,
      row.status,
      row.crm_provider,
      row.crm_state,
      row.crm_external_id,
      row.crm_error,
      isoOrNull(row.crm_synced_at),
    ]),
    next: rows.length === BATCH && last ? { at: last._at, id: last.id } : null,
  };
}
