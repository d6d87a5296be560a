// Retrieval over Postgres: what the agent knows that bears on the visitor's recent words.
import type { ScriptStage } from '@closer/contract';
import type { Queryable } from '../db/types.ts';
import { reciprocalRankFusion } from './fusion.ts';
import { type QuestionEmbedding, type SemanticPassage, semanticPassages } from './semantic.ts';
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
  /** Cosine similarity to the latest message, when semantic search found it too. */
  similarity?: number;
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
 *
 * With `question` (the latest message's embedding, see embedQuestion) the passages nearest in meaning
 * (`semantic_passages`) join the lexical ones by reciprocal-rank fusion; a passage found by meaning counts as
 * matching the latest message. A null question (no embedder, or it failed) leaves retrieval lexical. Given no
 * promise, it issues every statement before it first awaits (a turn can write COMMIT right behind them).
 */
export async function retrieveKnowledge(
  tx: Queryable,
  agent: { id: string },
  latest: string,
  context = '',
  limit = 6,
  question?: Promise<QuestionEmbedding | null> | QuestionEmbedding | null,
): Promise<RetrievedPassage[]> {
  const latestWords = searchableText(latest);
  if (latestWords === '') return [];
  // Each list offers more than `limit` when there are two, so that fusion has something to choose from.
  const pool = question ? limit * 2 : limit;
  const lexical = lexicalPassages(tx, agent.id, latestWords, searchableText(context), pool);
  // An embedding already at hand is searched at once, so every statement is issued before the first await.
  const embedding = question instanceof Promise ? await question : question;
  if (!embedding) return lexical;
  const [lexicalFound, semanticFound] = await Promise.all([
    lexical,
    semanticPassages(tx, agent.id, embedding, pool),
  ]);
  return fusePassages(lexicalFound, semanticFound, limit);
}

async function lexicalPassages(
  tx: Queryable,
  agentId: string,
  latestWords: string,
  contextWords: string,
  limit: number,
): Promise<RetrievedPassage[]> {
  const rows = await tx.query<{
    kind: 'knowledge' | 'article';
    id: string;
    title: string;
    content: string;
    score: number;
    on_latest: boolean;
  }>('select kind, id, title, content, score, on_latest from public.retrieve_passages($1, $2, $3, $4)', [
    agentId,
    latestWords,
    contextWords,
    limit,
  ]);
  return rows.map(({ on_latest, ...row }) => ({ ...row, matched: on_latest ? 'latest' : 'previous' }));
}

/** The same passage in both lists: one chunk of a knowledge item (items have several), or one article. */
const passageKey = (p: { kind: string; id: string; content: string }) => `${p.kind}:${p.id}:${p.content}`;

/**
 * Lexical and semantic candidates fused by reciprocal rank, then the existing preference: passages matching the
 * latest message (lexically or by meaning) before those matching only the previous one.
 */
export function fusePassages(
  lexical: readonly RetrievedPassage[],
  semantic: readonly SemanticPassage[],
  limit: number,
): RetrievedPassage[] {
  const found: RetrievedPassage[] = semantic.map(({ similarity, ...p }) => ({
    ...p,
    score: 0,
    matched: 'latest',
    similarity,
  }));
  const fused = reciprocalRankFusion<RetrievedPassage>([lexical, found], passageKey).map(
    ({ item, ranks }) => {
      const byMeaning = ranks[1] === undefined ? undefined : found[ranks[1] - 1];
      if (!byMeaning || ranks[0] === undefined) return item;
      return { ...item, matched: 'latest' as const, similarity: byMeaning.similarity ?? 0 };
    },
  );
  const latest = fused.filter((p) => p.matched === 'latest');
  const previous = fused.filter((p) => p.matched === 'previous');
  return [...latest, ...previous].slice(0, limit);
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
    `with message as materialized (select to_tsvector(public.fts_config_all_words($2), $3) as words),
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
    /** The message's embedding when semantic search is on (see embedQuestion); absent: lexical only. */
    question?: Promise<QuestionEmbedding | null> | QuestionEmbedding | null | undefined;
  },
): Promise<Retrieved> {
  const previous = conversation.history.filter((m) => m.role === 'user').at(-1)?.content ?? '';
  const [passages, objections, script] = await Promise.all([
    retrieveKnowledge(tx, agent, conversation.message, previous, 6, conversation.question),
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
