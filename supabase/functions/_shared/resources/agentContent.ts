// What an agent knows, between rows and the wire: knowledge items (chunked on write), sales scripts, objection answers.
import type {
  KnowledgeItem,
  knowledgeItemCreate,
  ObjectionAnswer,
  objectionAnswerCreate,
  SalesScript,
  salesScriptCreate,
} from '@closer/contract';
import type * as z from 'zod/mini';
import type { Queryable, Row } from '../db/types.ts';
import { chunkKnowledge } from '../knowledge/chunking.ts';
import { iso } from './time.ts';

export function knowledgeFromRow(row: Row): KnowledgeItem {
  return {
    id: row.id as string,
    agentId: row.agent_id as string,
    title: row.title as string,
    content: row.content as string,
    tags: row.tags as string[],
    source: (row.source as string | null) ?? null,
    sourceId: (row.source_id as string | null) ?? null,
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
  };
}

export function scriptFromRow(row: Row): SalesScript {
  return {
    id: row.id as string,
    agentId: row.agent_id as string,
    stage: row.stage as SalesScript['stage'],
    name: row.name as string,
    content: row.content as string,
    position: row.position as number,
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
  };
}

export function objectionFromRow(row: Row): ObjectionAnswer {
  return {
    id: row.id as string,
    agentId: row.agent_id as string,
    objection: row.objection as string,
    keywords: row.keywords as string[],
    answer: row.answer as string,
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
  };
}

/** Stores items and their retrieval chunks in the caller's transaction: all of them or none. */
export async function insertKnowledge(
  tx: Queryable,
  agent: { id: string; orgId: string; language: string },
  items: z.output<typeof knowledgeItemCreate>[],
): Promise<KnowledgeItem[]> {
  const withIds = items.map((item) => ({ ...item, id: crypto.randomUUID() }));
  const rows = await tx.query(
    `insert into public.company_knowledge (id, org_id, agent_id, title, content, tags, source)
     select (x.item ->> 'id')::uuid, $1, $2, x.item ->> 'title', x.item ->> 'content',
       array(select jsonb_array_elements_text(x.item -> 'tags')), x.item ->> 'source'
     from jsonb_array_elements($3::jsonb) with ordinality as x(item, n)
     order by x.n
     returning *`,
    [agent.orgId, agent.id, JSON.stringify(withIds)],
  );
  const chunks = withIds.flatMap((item) =>
    chunkKnowledge(item.title, item.content).map((content, position) => ({
      knowledge_id: item.id,
      position,
      content,
    })),
  );
  await tx.query(
    `insert into public.knowledge_chunks (org_id, agent_id, knowledge_id, position, language, content)
     select $1, $2, x.knowledge_id, x.position, $3, x.content
     from jsonb_to_recordset($4::jsonb) as x(knowledge_id uuid, position int, content text)`,
    [agent.orgId, agent.id, agent.language, JSON.stringify(chunks)],
  );
  const byId = new Map(rows.map((row) => [row.id as string, knowledgeFromRow(row)]));
  return withIds.map((item) => byId.get(item.id)!);
}

export async function insertScript(
  tx: Queryable,
  agent: { id: string; orgId: string },
  input: z.output<typeof salesScriptCreate>,
): Promise<SalesScript> {
  const [row] = await tx.query(
    `insert into public.sales_scripts (org_id, agent_id, stage, name, content, position)
     values ($1, $2, $3, $4, $5, $6) returning *`,
    [agent.orgId, agent.id, input.stage, input.name, input.content, input.position],
  );
  return scriptFromRow(row!);
}

export async function insertObjection(
  tx: Queryable,
  agent: { id: string; orgId: string },
  input: z.output<typeof objectionAnswerCreate>,
): Promise<ObjectionAnswer> {
  const [row] = await tx.query(
    `insert into public.objection_responses (org_id, agent_id, objection, keywords, answer)
     values ($1, $2, $3, $4, $5) returning *`,
    [agent.orgId, agent.id, input.objection, input.keywords, input.answer],
  );
  return objectionFromRow(row!);
}
