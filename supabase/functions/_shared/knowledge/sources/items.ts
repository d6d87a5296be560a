// The knowledge items a source owns: written from what a sync read, re-chunked only when their content hash
// changed, and removed when a finished sync no longer found them. An agent's source writes the agent's knowledge
// items (company_knowledge, chunked); a knowledge-base source writes published articles of its category
// (knowledge_articles: one passage each), which every agent drawing on that category retrieves.
import { sha256Hex } from '../../crypto.ts';
import type { Queryable } from '../../db/types.ts';
import { chunkKnowledge } from '../chunking.ts';
import type { ExtractedItem } from '../extract/document.ts';

export interface SourceScope {
  orgId: string;
  /** The agent whose knowledge this is; null for a knowledge-base source. */
  agentId: string | null;
  /** The knowledge-base category the source's articles go to; null for an agent's source. */
  categoryId: string | null;
  sourceId: string;
  runId: string;
  /** The agent's (or the knowledge-base source's) language: the items' full-text configuration. */
  language: string;
}

export interface ItemCounts {
  added: number;
  updated: number;
  unchanged: number;
  /** Same key or same content as an item this run already stored: skipped. */
  duplicates: number;
}

/** Where a scope's items live: the table and its citation column. */
const tableOf = (scope: SourceScope) =>
  scope.categoryId
    ? { table: 'public.knowledge_articles', citation: 'citation' }
    : { table: 'public.company_knowledge', citation: 'source' };

async function insertItem(tx: Queryable, scope: SourceScope, item: ExtractedItem, hash: string) {
  const [created] = scope.categoryId
    ? await tx.query<{ id: string }>(
        `insert into public.knowledge_articles (org_id, category_id, title, content, language, published,
           citation, source_id, source_key, content_hash, seen_in_run)
         values ($1, $2, $3, $4, $5, true, $6, $7, $8, $9, $10) returning id`,
        [
          scope.orgId,
          scope.categoryId,
          item.title,
          item.content,
          scope.language,
          item.citation,
          scope.sourceId,
          item.key,
          hash,
          scope.runId,
        ],
      )
    : await tx.query<{ id: string }>(
        `insert into public.company_knowledge
           (org_id, agent_id, title, content, source, source_id, source_key, content_hash, seen_in_run)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9) returning id`,
        [
          scope.orgId,
          scope.agentId,
          item.title,
          item.content,
          item.citation,
          scope.sourceId,
          item.key,
          hash,
          scope.runId,
        ],
      );
  if (!scope.categoryId) await writeChunks(tx, scope, created!.id, item);
  return created!.id;
}

const hashOf = (item: ExtractedItem) => sha256Hex(`${item.title}\n${item.citation}\n${item.content}`);

async function writeChunks(tx: Queryable, scope: SourceScope, knowledgeId: string, item: ExtractedItem) {
  const chunks = chunkKnowledge(item.title, item.content).map((content, position) => ({ position, content }));
  await tx.query(
    `insert into public.knowledge_chunks (org_id, agent_id, knowledge_id, position, language, content)
     select $1, $2, $3, x.position, $4, x.content
     from jsonb_to_recordset($5::jsonb) as x(position int, content text)`,
    [scope.orgId, scope.agentId, knowledgeId, scope.language, JSON.stringify(chunks)],
  );
}

/** Marks items kept although this run could not read them (a page that failed for now, not gone). */
export async function keepItems(tx: Queryable, scope: SourceScope, keys: string[]): Promise<void> {
  if (keys.length === 0) return;
  await tx.query(
    `update ${tableOf(scope).table} set seen_in_run = $3 where source_id = $1 and source_key = any($2::text[])`,
    [scope.sourceId, keys, scope.runId],
  );
}

/** Writes what the run read: new items added, changed ones updated and re-chunked, the rest only marked seen. */
export async function applyItems(
  tx: Queryable,
  scope: SourceScope,
  items: ExtractedItem[],
): Promise<ItemCounts> {
  const counts: ItemCounts = { added: 0, updated: 0, unchanged: 0, duplicates: 0 };
  if (items.length === 0) return counts;
  const { table, citation } = tableOf(scope);
  const hashed = await Promise.all(items.map(async (item) => ({ item, hash: await hashOf(item) })));
  const existing = await tx.query<{
    id: string;
    source_key: string;
    content_hash: string;
    seen_in_run: string | null;
  }>(
    `select id, source_key, content_hash, seen_in_run from ${table}
     where source_id = $1 and (source_key = any($2::text[]) or (content_hash = any($3::text[]) and seen_in_run = $4))`,
    [scope.sourceId, hashed.map((h) => h.item.key), hashed.map((h) => h.hash), scope.runId],
  );
  const byKey = new Map(existing.map((row) => [row.source_key, row]));
  const hashesThisRun = new Set(
    existing.filter((row) => row.seen_in_run === scope.runId).map((row) => row.content_hash),
  );
  for (const { item, hash } of hashed) {
    const row = byKey.get(item.key);
    if (row?.seen_in_run === scope.runId || hashesThisRun.has(hash)) {
      counts.duplicates++;
      continue;
    }
    hashesThisRun.add(hash);
    if (row && row.content_hash === hash) {
      await tx.query(`update ${table} set seen_in_run = $2 where id = $1`, [row.id, scope.runId]);
      counts.unchanged++;
    } else if (row) {
      await tx.query(
        `update ${table} set title = $2, content = $3, ${citation} = $4, content_hash = $5, seen_in_run = $6
         where id = $1`,
        [row.id, item.title, item.content, item.citation, hash, scope.runId],
      );
      if (!scope.categoryId) {
        await tx.query('delete from public.knowledge_chunks where knowledge_id = $1', [row.id]);
        await writeChunks(tx, scope, row.id, item);
      }
      counts.updated++;
    } else {
      const createdId = await insertItem(tx, scope, item, hash);
      byKey.set(item.key, {
        id: createdId,
        source_key: item.key,
        content_hash: hash,
        seen_in_run: scope.runId,
      });
      counts.added++;
    }
  }
  return counts;
}

/** At the end of a successful run: removes the source's items the run did not find. Answers how many. */
export async function removeUnseenItems(tx: Queryable, scope: SourceScope): Promise<number> {
  const rows = await tx.query(
    `delete from ${tableOf(scope).table} where source_id = $1 and seen_in_run is distinct from $2 returning id`,
    [scope.sourceId, scope.runId],
  );
  return rows.length;
}
