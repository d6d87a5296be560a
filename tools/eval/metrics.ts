// Scores of a retrieval run over labelled questions: recall@k and MRR for knowledge, precision and recall
// for objection answers, and how often an off-topic question retrieved nothing.
import type { LabelledQuestion } from './questions/types.ts';

/** What one retriever returned for one question. */
export interface Answered {
  label: LabelledQuestion;
  /** Titles of the retrieved passages, best first (duplicates are one item). */
  knowledge: string[];
  /** Objections whose answers were matched, best first. */
  objections: string[];
}

export interface Scores {
  /** Questions with a knowledge label. */
  knowledgeQuestions: number;
  /** Share of them whose item is among the first three distinct titles. */
  recallAt3: number;
  /** Mean of 1 / rank of the labelled item (0 when it was not retrieved). */
  mrr: number;
  /** Of the questions where an objection answer came first, the share where it was the labelled one. */
  objectionPrecision: number;
  /** Of the questions labelled with an objection, the share where its answer came first. */
  objectionRecall: number;
  objectionPredictions: number;
  objectionQuestions: number;
  /** Questions labelled with nothing (off-topic, requests for a person), and how many retrieved nothing. */
  unanswerable: number;
  unanswerableEmpty: number;
}

const distinct = (titles: string[]) => [...new Set(titles)];
const ratio = (part: number, whole: number) => (whole === 0 ? 1 : part / whole);

export function score(answers: Answered[]): Scores {
  const withKnowledge = answers.filter((a) => a.label.knowledge);
  const ranks = withKnowledge.map((a) => distinct(a.knowledge).indexOf(a.label.knowledge!) + 1);
  const predicted = answers.filter((a) => a.objections.length > 0);
  const labelled = answers.filter((a) => a.label.objection);
  const unanswerable = answers.filter((a) => !a.label.knowledge && !a.label.objection);
  return {
    knowledgeQuestions: withKnowledge.length,
    recallAt3: ratio(ranks.filter((r) => r >= 1 && r <= 3).length, ranks.length),
    mrr: ranks.length === 0 ? 1 : ranks.reduce((sum, r) => sum + (r > 0 ? 1 / r : 0), 0) / ranks.length,
    objectionPrecision: ratio(
      predicted.filter((a) => a.objections[0] === a.label.objection).length,
      predicted.length,
    ),
    objectionRecall: ratio(
      labelled.filter((a) => a.objections[0] === a.label.objection).length,
      labelled.length,
    ),
    objectionPredictions: predicted.length,
    objectionQuestions: labelled.length,
    unanswerable: unanswerable.length,
    unanswerableEmpty: unanswerable.filter((a) => a.knowledge.length === 0 && a.objections.length === 0)
      .length,
  };
}

/** The questions a run got wrong, one line each, for reading after a change. */
export function misses(answers: Answered[]): string[] {
  const lines: string[] = [];
  for (const a of answers) {
    const { label } = a;
    const top = distinct(a.knowledge).slice(0, 3);
    if (label.knowledge && !top.includes(label.knowledge)) {
      lines.push(
        `knowledge  ${JSON.stringify(label.question)}: wanted "${label.knowledge}", got ${JSON.stringify(top)}`,
      );
    }
    if ((a.objections[0] ?? undefined) !== label.objection) {
      lines.push(
        `objection  ${JSON.stringify(label.question)}: wanted ${label.objection ? `"${label.objection}"` : 'none'}, got ${a.objections[0] ? `"${a.objections[0]}"` : 'none'}`,
      );
    }
    if (!label.knowledge && !label.objection && a.knowledge.length > 0) {
      lines.push(`nothing    ${JSON.stringify(label.question)}: retrieved ${JSON.stringify(top)}`);
    }
  }
  return lines;
}
