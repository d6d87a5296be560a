// The score a conversation's answers earn under an agent's plan: each criterion's weight times how well its answer
// fits (a number against its minimum, yes/no against the expected answer, a choice's points, any text in full),
// over the sum of all weights; unanswered criteria earn nothing. The reason says, per criterion, why.
import type {
  QualificationAnswer,
  QualificationBand,
  QualificationCriterion,
  QualificationPlan,
} from '@closer/contract';
import { clipText } from '../text.ts';
import { numberAnswer } from './answers.ts';

export type AnswerValue = QualificationAnswer['value'];
export type Answers = Record<string, QualificationAnswer>;

export interface Score {
  score: number;
  band: QualificationBand;
  reason: string;
}

/** How much of its weight an answer earns, 0..1. */
export function fit(criterion: QualificationCriterion, value: AnswerValue): number {
  switch (criterion.type) {
    case 'number': {
      // An answer stored before numbers were range-checked (1e308, say) earns nothing.
      const n = numberAnswer(typeof value === 'number' ? value : Number(value));
      if (n === null) return 0;
      if (criterion.minimum === null || criterion.minimum === 0) return 1;
      return Math.min(1, n / criterion.minimum);
    }
    case 'yes_no':
      return value === criterion.expected ? 1 : 0;
    case 'choice': {
      const option = criterion.options.find((o) => o.label === value);
      return option ? option.points / 100 : 0;
    }
    case 'text':
      return String(value).trim() ? 1 : 0;
  }
}

const shown = (value: AnswerValue) =>
  typeof value === 'boolean' ? (value ? 'yes' : 'no') : clipText(String(value), 120);

export function bandOf(score: number, thresholds: QualificationPlan['thresholds']): QualificationBand {
  if (score >= thresholds.hot) return 'hot';
  if (score >= thresholds.warm) return 'warm';
  return 'cold';
}

export function scoreAnswers(plan: QualificationPlan, answers: Answers): Score {
  const total = plan.criteria.reduce((sum, c) => sum + c.weight, 0);
  let earned = 0;
  const lines = plan.criteria.map((criterion) => {
    const answer = answers[criterion.key];
    if (!answer) return `${criterion.key}: not answered yet`;
    const share = fit(criterion, answer.value);
    const points = total === 0 ? 0 : (100 * criterion.weight * share) / total;
    earned += points;
    const why =
      criterion.type === 'number' && criterion.minimum !== null
        ? ` (minimum ${criterion.minimum})`
        : criterion.type === 'yes_no'
          ? ` (expected ${criterion.expected ? 'yes' : 'no'})`
          : '';
    return `${criterion.key}: ${shown(answer.value)}${why} → +${Math.round(points)}`;
  });
  const score = Math.max(0, Math.min(100, Math.round(earned)));
  const band = bandOf(score, plan.thresholds);
  return { score, band, reason: [`${score}/100, ${band}.`, ...lines].join('\n') };
}
