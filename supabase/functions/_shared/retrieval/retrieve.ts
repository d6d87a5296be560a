// Retrieval over Postgres: what the agent knows that bears on the visitor's recent words.
import type { ScriptStage } from '@closer/contract';
import type { Queryable } from '../db/types.ts';
import { searchableText } from './smallTalk.ts';

/** A passage retrieval offers: a chunk of one of the agent's knowledge items, or a knowledge-base article. */
export interface RetrievedPassage {
  kind: 'knowledge' | 'article';
  /** The knowledge item's id (for a chunk) or the article's. */
  id: string;
  title: string;
  content: string;
  /** Full-text rank: twice the match with the latest message plus the match with both messages. */
  score: number;
  /** Which message it answers: the latest, or only the previous one (ranked after every `latest`). */
  matched: 'latest' | 'previous';
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

/**
 * The best passages of the agent's knowledge and of its knowledge-base categories' published articles for
 * the visitor's latest message: passages matching it come first, then those matching only `context`
 * (their previous message), which keeps a short follow-up ("and financing?") on its own topic. Small talk is
 * not searched: a greeting or a thank-you alone runs no query. The search itself is the database's
 * `retrieve_passages` (migration 20261201040000), which takes the organisation from the transaction's claims.
 */
export async function retrieveKnowledge(
  tx: Queryable,
  agent: { id: string },
  latest: string,
  context = '',
  limit = 6,
): Promise<RetrievedPassage[]> {
  const latestWords = searchableText(latest);
  if (latestWords === '') return [];
  const rows = await tx.query<{
    kind: 'knowledge' | 'article';
    id: string;
    title: string;
    content: string;
    score: number;
    on_latest: boolean;
  }>('select kind, id, title, content, score, on_latest from public.retrieve_passages($1, $2, $3, $4)', [
    agent.id,
    latestWords,
    searchableText(context),
    limit,
  ]);
  return rows.map(({ on_latest, ...row }) => ({ ...row, matched: on_latest ? 'latest' : 'previous' }));
}

/**
 * Objection answers whose cues the visitor's words hold, by phrase and stem in the agent's language: a keyword
 * phrase's words of meaning in order, a one-word keyword as that word, or every word of the objection itself
 * (rules and reasons: migration 20261201070000_objection_cues.sql, which also keeps each objection's cues ready
 * in `cue_queries`). A cue of common words alone matches nothing.
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
       select o.id, o.objection, o.answer, o.cue_queries, o.cue_lexemes, o.meaning
       from public.objection_responses o where o.agent_id = $1),
     matched as (
       select o.id, o.objection, o.answer, cue.lexemes
       from objections o cross join lateral unnest(o.cue_queries, o.cue_lexemes) as cue(query, lexemes), message
       where numnode(cue.query) > 0 and message.words @@ cue.query),
     spread as (
       select lexeme, count(*) as objections
       from objections o, unnest(tsvector_to_array(o.meaning)) lexeme
       where lexeme in (select unnest(tsvector_to_array(lexemes)) from matched)
       group by lexeme)
     select m.id, m.objection, m.answer,
       sum(greatest(0.5, (select coalesce(sum(1.0 / s.objections), 0)
         from unnest(tsvector_to_array(m.lexemes)) l join spread s on s.lexeme = l)))::float8 as score
     from matched m
     group by m.id, m.objection, m.answer
     order by score desc, m.objection limit $4`,
    [agent.id, agent.language, text, limit],
  );
}

/** What a reply to one message is grounded on (the prompt may leave out the least relevant passages). */
export interface Retrieved {
  passages: RetrievedPassage[];
  objections: MatchedObjection[];
  script: StageScript | null;
}

/**
 * Everything retrieval gives the prompt for `message`: passages for it and the visitor's previous message (the
 * last `user` turn of `history`), the objection answers it triggers, and the script of `stage`.
 */
export async function groundingFor(
  tx: Queryable,
  agent: { id: string; language: string },
  conversation: {
    message: string;
    history: readonly { role: string; content: string }[];
    stage: ScriptStage;
  },
): Promise<Retrieved> {
  const previous = conversation.history.filter((m) => m.role === 'user').at(-1)?.content ?? '';
  const [passages, objections, script] = await Promise.all([
    retrieveKnowledge(tx, agent, conversation.message, previous),
    matchObjections(tx, agent, conversation.message),
    scriptFor(tx, agent.id, conversation.stage),
  ]);
  return { passages, objections, script };
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
