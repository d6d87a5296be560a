// Retrieval over Postgres: what the agent knows that bears on the visitor's recent words.
import type { ScriptStage } from '@closer/contract';
import type { Queryable } from '../db/types.ts';

export interface RetrievedPassage {
  title: string;
  content: string;
  rank: number;
}

export interface MatchedObjection {
  id: string;
  objection: string;
  answer: string;
  score: number;
}

export interface StageScript {
  id: string;
  stage: ScriptStage;
  content: string;
}

// Any of the text's lexemes, stemmed with the agent's configuration, then wrapped in `simple` so they are
// not stemmed twice. A whole sentence ANDed (websearch_to_tsquery) would almost never match a passage.
const ANY_LEXEME = `to_tsquery('simple', nullif(array_to_string(array(
    select quote_literal(lexeme) from unnest(tsvector_to_array(to_tsvector(public.fts_config($2), $3))) lexeme
  ), ' | '), ''))`;

/** The best passages of the agent's knowledge and of its knowledge-base categories' published articles. */
export async function retrieveKnowledge(
  tx: Queryable,
  agent: { id: string; language: string },
  text: string,
  limit = 6,
): Promise<RetrievedPassage[]> {
  const found = await tx.query<RetrievedPassage>(
    `with q as (select ${ANY_LEXEME} as query)
     (select k.title, c.content, ts_rank_cd(c.fts, q.query)::float8 as rank
       from public.knowledge_chunks c join public.company_knowledge k on k.id = c.knowledge_id, q
       where c.agent_id = $1 and c.fts @@ q.query)
     union all
     (select a.title, a.title || E'\\n' || a.content, ts_rank_cd(a.fts, q.query)::float8 as rank
       from public.knowledge_articles a, q
       where a.published and a.fts @@ q.query
         and a.category_id in (select category_id from public.agent_knowledge_categories where agent_id = $1))
     order by rank desc limit $4`,
    [agent.id, agent.language, text, limit],
  );
  if (found.length > 0) return found;
  // Short or misspelt questions rarely share a lexeme: fall back to trigram similarity.
  return tx.query<RetrievedPassage>(
    `select k.title, c.content, word_similarity($2, c.content)::float8 as rank
     from public.knowledge_chunks c join public.company_knowledge k on k.id = c.knowledge_id
     where c.agent_id = $1 and word_similarity($2, c.content) > 0.35
     order by rank desc limit $3`,
    [agent.id, text, limit],
  );
}

/** Objection answers whose keywords appear in the visitor's words, or whose objection resembles them. */
export async function matchObjections(
  tx: Queryable,
  agent: { id: string; language: string },
  text: string,
  limit = 2,
): Promise<MatchedObjection[]> {
  return tx.query<MatchedObjection>(
    `with q as (select ${ANY_LEXEME} as query),
     scored as (
       select o.id, o.objection, o.answer,
         (select count(*) from unnest(o.keywords) k where position(lower(k) in lower($3)) > 0)::float8
         + case when to_tsvector(public.fts_config($2), o.objection) @@ q.query then 0.5 else 0 end
         + word_similarity(o.objection, $3) as score
       from public.objection_responses o, q
       where o.agent_id = $1)
     select * from scored where score >= 0.6 order by score desc, objection limit $4`,
    [agent.id, agent.language, text, limit],
  );
}

/** Where a conversation stands, from how far it has come. */
export function stageFor(visitorMessages: number, hasLead: boolean): ScriptStage {
  if (hasLead) return 'follow_up';
  if (visitorMessages <= 1) return 'opening';
  if (visitorMessages <= 3) return 'discovery';
  if (visitorMessages <= 5) return 'presentation';
  return 'closing';
}

export async function scriptFor(
  tx: Queryable,
  agentId: string,
  stage: ScriptStage,
): Promise<StageScript | null> {
  const [row] = await tx.query<StageScript>(
    `select id, stage, content from public.sales_scripts
     where agent_id = $1 and stage = $2 order by position, created_at limit 1`,
    [agentId, stage],
  );
  return row ?? null;
}
