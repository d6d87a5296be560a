// The retrievers the evaluation compares, each as the chat engine would call it for a first message.
import type { Database, Queryable } from '../../supabase/functions/_shared/db/types.ts';
import type { Env } from '../../supabase/functions/_shared/env.ts';
import { runEmbeddingJobs } from '../../supabase/functions/_shared/knowledge/embeddingJobs.ts';
import { embeddingSettingsFromEnv } from '../../supabase/functions/_shared/retrieval/embedders/config.ts';
import { HashedNgramEmbedder } from '../../supabase/functions/_shared/retrieval/embedders/hashedNgrams.ts';
import { matchObjections, retrieveKnowledge } from '../../supabase/functions/_shared/retrieval/retrieve.ts';
import {
  embedQuestion,
  type SemanticSearch,
  semanticSearchFromEnv,
} from '../../supabase/functions/_shared/retrieval/semantic.ts';
import { isSmallTalk } from '../../supabase/functions/_shared/retrieval/smallTalk.ts';

export interface EvalAgent {
  id: string;
  language: string;
}

export interface Retriever {
  name: string;
  /** Titles of the passages the prompt would use, best first. */
  knowledge(tx: Queryable, agent: EvalAgent, question: string): Promise<string[]>;
  /** Objections whose answers the prompt would use, best first. */
  objections(tx: Queryable, agent: EvalAgent, question: string): Promise<string[]>;
}

const objections = async (tx: Queryable, agent: EvalAgent, question: string) =>
  (await matchObjections(tx, agent, question)).map((o) => o.objection);

/** Full-text search and trigram similarity in Postgres: what every deployment has. */
export const lexical: Retriever = {
  name: 'lexical',
  knowledge: async (tx, agent, question) =>
    (await retrieveKnowledge(tx, agent, question)).map((p) => p.title),
  objections,
};

/**
 * Lexical and semantic passages fused by reciprocal rank, as the chat runs them with an embedder: the deployment's
 * (EMBEDDING_*, docs/knowledge.md) when one is configured, else the offline hashed embedder, so CI measures the
 * whole semantic path without a model. The agents' knowledge must have been embedded (see embedKnowledge).
 */
export function hybridRetriever(search: SemanticSearch): Retriever {
  return {
    name: `hybrid (${search.embedder.model})`,
    knowledge: async (tx, agent, question) => {
      const embedding = embedQuestion(search, isSmallTalk(question) ? '' : question);
      return (await retrieveKnowledge(tx, agent, question, '', 6, embedding)).map((p) => p.title);
    },
    objections,
  };
}

/** The deployment's semantic search, or the offline hashed embedder's. */
export function evalSemanticSearch(env: Env): SemanticSearch {
  return (
    semanticSearchFromEnv(env) ?? {
      embedder: new HashedNgramEmbedder(),
      settings: embeddingSettingsFromEnv(env),
    }
  );
}

/** Embeds every seeded passage with `search`'s embedder through the embedding worker; returns how many. */
export async function embedKnowledge(db: Database, search: SemanticSearch): Promise<number> {
  let embedded = 0;
  for (;;) {
    const report = await runEmbeddingJobs({ db, search });
    embedded += report.embedded;
    if (report.failed > 0) throw new Error('the embedding worker failed a job (the server log says why)');
    if (report.claimed === 0) return embedded;
  }
}

/** The retrievers to run: lexical, and hybrid with `search`. */
export function availableRetrievers(search: SemanticSearch): { run: Retriever[]; skipped: string[] } {
  return { run: [lexical, hybridRetriever(search)], skipped: [] };
}
