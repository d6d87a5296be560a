// Knowledge sources between rows and the wire, and the SQL that creates them, starts their runs and lists them.
// Every function runs in the caller's tenant transaction (RLS scopes it to the organisation).
import type { KnowledgeSource, KnowledgeSourceRun, SyncSchedule } from '@closer/contract';
import type { Queryable, Row } from '../../db/types.ts';
import { ApiError, notFound } from '../../http/errors.ts';
import { cancelJob, enqueueJob } from '../../outbox/jobs.ts';
import { iso } from '../../resources/time.ts';

export const SOURCE_SYNC_JOB = 'knowledge.sync_source';
export const sourceJobKey = (sourceId: string) => `${SOURCE_SYNC_JOB}:${sourceId}`;

/** The columns a source is read with: the table's, and how many items (or articles) it holds now. */
export const SOURCE_SELECT = `select t.*,
  (case when t.category_id is null
        then (select count(*) from public.company_knowledge k where k.source_id = t.id)
        else (select count(*) from public.knowledge_articles a where a.source_id = t.id) end)::int as item_count
  from public.knowledge_sources t`;

/** Whose a source is: an agent's, or a knowledge-base category's (the organisation's knowledge base). */
export type SourceOwner = { agentId: string } | { categoryId: string };

/** The owner's column and id, for `where t.<column> = $n`. */
export const ownerColumn = (owner: SourceOwner): [column: 'agent_id' | 'category_id', id: string] =>
  'agentId' in owner ? ['agent_id', owner.agentId] : ['category_id', owner.categoryId];

export interface StoredSettings {
  urls?: string[];
  maxPages?: number;
  maxDepth?: number;
  fileName?: string;
  mediaType?: string;
  byteSize?: number;
  /** Where the uploaded file is kept (never shown). */
  storageKey?: string;
}

export function sourceFromRow(row: Row): KnowledgeSource {
  const { storageKey: _, ...settings } = row.settings as StoredSettings;
  return {
    id: row.id as string,
    agentId: (row.agent_id as string | null) ?? null,
    categoryId: (row.category_id as string | null) ?? null,
    kind: row.kind as KnowledgeSource['kind'],
    name: row.name as string,
    settings,
    schedule: row.schedule as SyncSchedule,
    status: row.status as KnowledgeSource['status'],
    progress: { done: row.progress_done as number, total: (row.progress_total as number | null) ?? null },
    failureReason: (row.failure_reason as string | null) ?? null,
    itemCount: (row.item_count as number | undefined) ?? 0,
    lastSyncedAt: row.last_synced_at ? iso(row.last_synced_at) : null,
    nextSyncAt: row.next_sync_at ? iso(row.next_sync_at) : null,
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
  };
}

export function runFromRow(row: Row): KnowledgeSourceRun {
  return {
    id: row.id as string,
    sourceId: row.source_id as string,
    trigger: row.trigger as KnowledgeSourceRun['trigger'],
    status: row.status as KnowledgeSourceRun['status'],
    startedAt: iso(row.started_at),
    finishedAt: row.finished_at ? iso(row.finished_at) : null,
    added: row.added as number,
    updated: row.updated as number,
    unchanged: row.unchanged as number,
    removed: row.removed as number,
    failed: row.failed as number,
    errors: row.errors as KnowledgeSourceRun['errors'],
    failureReason: (row.failure_reason as string | null) ?? null,
  };
}

export interface NewSource {
  id?: string;
  orgId: string;
  owner: SourceOwner;
  kind: KnowledgeSource['kind'];
  name: string;
  settings: StoredSettings;
  schedule: SyncSchedule;
}

/** Stores a source and starts its first run. */
export async function createSource(tx: Queryable, source: NewSource): Promise<KnowledgeSource> {
  const [row] = await tx.query<{ id: string }>(
    `insert into public.knowledge_sources (id, org_id, agent_id, category_id, kind, name, settings, schedule)
     values (coalesce($1::uuid, gen_random_uuid()), $2, $3, $4, $5, $6, $7::jsonb, $8) returning id`,
    [
      source.id ?? null,
      source.orgId,
      'agentId' in source.owner ? source.owner.agentId : null,
      'categoryId' in source.owner ? source.owner.categoryId : null,
      source.kind,
      source.name,
      JSON.stringify(source.settings),
      source.schedule,
    ],
  );
  await startRun(tx, row!.id, 'created');
  return findSource(tx, source.owner, row!.id);
}

export async function findSource(
  tx: Queryable,
  owner: SourceOwner,
  sourceId: string,
): Promise<KnowledgeSource> {
  const [column, ownerId] = ownerColumn(owner);
  const [row] = await tx.query(`${SOURCE_SELECT} where t.id = $1 and t.${column} = $2`, [sourceId, ownerId]);
  if (!row) throw notFound('Knowledge source');
  return sourceFromRow(row);
}

/**
 * Starts a sync: a run row, the source queued at 0/?, and the outbox job that processes it. A source already
 * queued or processing is a conflict (its run is not cut short).
 */
export async function startRun(
  tx: Queryable,
  sourceId: string,
  trigger: KnowledgeSourceRun['trigger'],
): Promise<void> {
  const [source] = await tx.query<{ org_id: string; status: string }>(
    `update public.knowledge_sources set status = 'queued', progress_done = 0, progress_total = null,
       failure_reason = null
     where id = $1 and (status in ('ready', 'failed') or $2 = 'created')
     returning org_id, status`,
    [sourceId, trigger],
  );
  if (!source) throw new ApiError('conflict', 'The source is being synced already; wait until it is ready');
  await tx.query(
    `insert into public.knowledge_source_runs (org_id, source_id, trigger) values ($1, $2, $3)`,
    [source.org_id, sourceId, trigger],
  );
  await enqueueJob(tx, {
    orgId: source.org_id,
    kind: SOURCE_SYNC_JOB,
    dedupeKey: sourceJobKey(sourceId),
    payload: { sourceId },
  });
}

/** Deletes a source with its items and runs; answers its storage key (a file to remove) or null. */
export async function deleteSource(
  tx: Queryable,
  owner: SourceOwner,
  sourceId: string,
): Promise<string | null> {
  const [column, ownerId] = ownerColumn(owner);
  const [row] = await tx.query<{ settings: StoredSettings }>(
    `delete from public.knowledge_sources where id = $1 and ${column} = $2 returning settings`,
    [sourceId, ownerId],
  );
  if (!row) throw notFound('Knowledge source');
  await cancelJob(tx, sourceJobKey(sourceId));
  return row.settings.storageKey ?? null;
}

/**
 * The storage keys of an agent's (or a category's) uploaded files, read before the agent or category (and so its
 * sources) is deleted. A bare id is an agent's, as before.
 */
export async function storedFilesOf(tx: Queryable, owner: SourceOwner | string): Promise<string[]> {
  const [column, ownerId] = ownerColumn(typeof owner === 'string' ? { agentId: owner } : owner);
  const rows = await tx.query<{ key: string }>(
    `select settings ->> 'storageKey' as key from public.knowledge_sources
     where ${column} = $1 and kind = 'file' and settings ? 'storageKey'`,
    [ownerId],
  );
  return rows.map((row) => row.key);
}

/** When a schedule syncs a source next, from now; null for `off`. */
export const nextSyncSql = (schedule: string) =>
  schedule === 'daily'
    ? "now() + interval '1 day'"
    : schedule === 'weekly'
      ? "now() + interval '7 days'"
      : 'null';

/** Changes a source's name or schedule; a new schedule counts from now. */
export async function updateSource(
  tx: Queryable,
  owner: SourceOwner,
  sourceId: string,
  patch: { name?: string | undefined; schedule?: SyncSchedule | undefined },
): Promise<KnowledgeSource> {
  const rows = await tx.query(
    `update public.knowledge_sources set name = coalesce($3, name), schedule = coalesce($4, schedule),
       next_sync_at = case when $4::text is null then next_sync_at
                           when $4 = 'daily' then now() + interval '1 day'
                           when $4 = 'weekly' then now() + interval '7 days' else null end
     where id = $1 and ${ownerColumn(owner)[0]} = $2 returning id`,
    [sourceId, ownerColumn(owner)[1], patch.name ?? null, patch.schedule ?? null],
  );
  if (rows.length === 0) throw notFound('Knowledge source');
  return findSource(tx, owner, sourceId);
}
