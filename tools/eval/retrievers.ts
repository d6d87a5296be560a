// The retrievers the evaluation compares, each as the chat engine would call it for a first message.
import type { Queryable } from '../../supabase/functions/_shared/db/types.ts';
import { matchObjections, retrieveKnowledge } from '../../supabase/functions/_shared/retrieval/retrieve.ts';

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
 * The retrievers to run. A hybrid (lexical + vector, fused) retriever joins this list once the semantic search
 * is in the code base and an embedder is configured (EMBEDDING_BASE_URL, or the deterministic test embedder).
 */
export function availableRetrievers(): { run: Retriever[]; skipped: string[] } {
  return { run: [lexical], skipped: ['hybrid: no semantic retrieval in this build (lexical only)'] };
}
