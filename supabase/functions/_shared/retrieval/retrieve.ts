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

/** The same, over whichever text is given as `$n` (the agent's language is `$2`). */
const anyLexemeOf = (param: string) =>
  ANY_LEXEME.replace('public.fts_config($2), $3', `public.fts_config($2), ${param}`);

/**
 * The best passages of the agent's knowledge and of its knowledge-base categories' published articles for
 * the visitor's latest message: passages matching it come first, then those matching only `context`
 * (their previous message), which keeps a short follow-up ("and financing?") on its own topic.
 */
export async function retrieveKnowledge(
  tx: Queryable,
  agent: { id: string; language: string },
  latest: string,
  context = '',
  limit = 6,
): Promise<RetrievedPassage[]> {
  const found = await tx.query<RetrievedPassage>(
    `with q as (select ${anyLexemeOf('$3')} as latest, ${anyLexemeOf('$4')} as context),
     query as (select latest, coalesce(latest || context, latest, context) as any from q)
     (select k.title, c.content, coalesce(c.fts @@ query.latest, false) as on_latest,
        (2 * ts_rank_cd(c.fts, coalesce(query.latest, ''::tsquery)) + ts_rank_cd(c.fts, query.any))::float8 as rank
       from public.knowledge_chunks c join public.company_knowledge k on k.id = c.knowledge_id, query
       where c.agent_id = $1 and c.fts @@ query.any)
     union all
     (select a.title, a.title || E'\\n' || a.content, coalesce(a.fts @@ query.latest, false) as on_latest,
        (2 * ts_rank_cd(a.fts, coalesce(query.latest, ''::tsquery)) + ts_rank_cd(a.fts, query.any))::float8 as rank
       from public.knowledge_articles a, query
       where a.published and a.fts @@ query.any
         and a.category_id in (select category_id from public.agent_knowledge_categories where agent_id = $1))
     order by on_latest desc, rank desc limit $5`,
    [agent.id, agent.language, latest, context, limit],
  );
  if (found.length > 0) return found;
  // Short or misspelt questions rarely share a lexeme: fall back to trigram similarity.
  return tx.query<RetrievedPassage>(
    `select k.title, c.content, word_similarity($2, c.content)::float8 as rank
     from public.knowledge_chunks c join public.company_knowledge k on k.id = c.knowledge_id
     where c.agent_id = $1 and word_similarity($2, c.content) > 0.35
     order by rank desc limit $3`,
    [agent.id, latest, limit],
  );
}

/**
 * Objection answers whose cues the visitor's words hold, by phrase and stem in the agent's language: a keyword
 * phrase's words of meaning in order, a one-word keyword as that word, or every word of the objection itself
 * (rules and reasons: migration 20261201070000_objection_cues.sql). A cue of common words alone matches nothing.
 * `score` adds up the matched cues' words of meaning, each counted 1/n when n of the agent's objections use it:
 * the more specific match comes first ("частник … дешевле" is the cheaper crew, not "too expensive").
 */
export async function matchObjections(
  tx: Queryable,
  agent: { id: string; language: string },
  text: string,
  limit = 2,
): Promise<MatchedObjection[]> {
  return tx.query<MatchedObjection>(
    `with message as (select to_tsvector(public.fts_config_all_words($2), $3) as words),
     objections as (
       select o.id, o.objection, o.answer, o.keywords from public.objection_responses o where o.agent_id = $1),
     cues as (
       select o.id, o.objection, o.answer, public.objection_cue_query($2, cue.text, cue.is_objection) as query,
         tsvector_to_array(to_tsvector(public.fts_config($2), cue.text)) as lexemes
       from objections o
       cross join lateral (
         select o.objection as text, true as is_objection
         union all select k, false from unnest(o.keywords) k
       ) cue),
     matched as (
       select cues.* from cues, message where numnode(cues.query) > 0 and message.words @@ cues.query),
     spread as (
       select lexeme, count(distinct o.id) as objections
       from objections o, unnest(tsvector_to_array(to_tsvector(public.fts_config($2),
         o.objection || ' ' || array_to_string(o.keywords, ' ')))) lexeme
       where lexeme in (select unnest(lexemes) from matched)
       group by lexeme)
     select m.id, m.objection, m.answer,
       sum(greatest(0.5, (select coalesce(sum(1.0 / s.objections), 0) from unnest(m.lexemes) l
         join spread s on s.lexeme = l)))::float8 as score
     from matched m
     group by m.id, m.objection, m.answer
     order by score desc, m.objection limit $4`,
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
