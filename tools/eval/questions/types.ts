// One labelled question of the retrieval evaluation: what a visitor types and what should answer it.

export type QuestionKind =
  | 'paraphrase'
  | 'misspelling'
  | 'one-word'
  | 'objection'
  /** Shares a word with an objection's old keywords but is not that objection ("Do you sell batteries?"). */
  | 'trap'
  /** Asked in the other demo language than the agent's knowledge. */
  | 'other-language'
  /** Nothing in the agent's knowledge answers it: nothing should be retrieved. */
  | 'off-topic';

export interface LabelledQuestion {
  /** The visitor's message, as typed (typos included). */
  question: string;
  kind: QuestionKind;
  /** Title of the knowledge item or knowledge-base article that should come first; absent: none answers it. */
  knowledge?: string;
  /** The objection (its text) whose answer should be used; absent: no objection answer should be. */
  objection?: string;
}

export interface LabelledAgent {
  /** The seeded agent's slug (supabase/seed.sql). */
  slug: string;
  questions: LabelledQuestion[];
}
