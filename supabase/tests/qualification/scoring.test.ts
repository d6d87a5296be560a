// Scoring, reading answers, and finding what the visitor already said: the pure parts of qualification.
import { QUALIFICATION_PRESETS, type QualificationCriterion } from '@closer/contract';
import { qualificationSection } from '@closer/functions/_shared/prompt/qualification.ts';
import { alreadySaid } from '@closer/functions/_shared/qualification/alreadySaid.ts';
import {
  readNumber,
  readYesNo,
  valueFromReply,
  valueFromTool,
} from '@closer/functions/_shared/qualification/answers.ts';
import { planFromStored } from '@closer/functions/_shared/qualification/plan.ts';
import { scoreAnswers } from '@closer/functions/_shared/qualification/scoring.ts';
import { describe, expect, it } from 'vitest';

const { budget, authority, need, timeline } = QUALIFICATION_PRESETS;
const at = '2026-12-01T10:00:00.000Z';
const answer = (value: string | number | boolean) => ({ value, answeredAt: at });

const plan = planFromStored({
  enabled: true,
  criteria: [
    { ...budget, minimum: 10_000, weight: 4 },
    { ...authority, weight: 3 },
    { ...timeline, weight: 2 },
    { ...need, weight: 1 },
  ],
  thresholds: { hot: 75, warm: 45 },
});

describe('scoring', () => {
  it.each([1e308, 1e12 + 1, -5, Number.NaN])(
    'a number answer of %s stored earlier earns nothing',
    (value) => {
      expect(scoreAnswers(plan, { budget: answer(value) })).toMatchObject({ score: 0, band: 'cold' });
    },
  );

  it('weighs each answer by how well it fits, over every weight, and says why per criterion', () => {
    const score = scoreAnswers(plan, {
      budget: answer(5000),
      authority: answer(true),
      timeline: answer('In 1–3 months'),
    });
    // budget 4 × 0.5 + authority 3 × 1 + timeline 2 × 0.6 = 6.2 of 10.
    expect(score).toMatchObject({ score: 62, band: 'warm' });
    expect(score.reason.split('\n')).toEqual([
      '62/100, warm.',
      'budget: 5000 (minimum 10000) → +20',
      'authority: yes (expected yes) → +30',
      'timeline: In 1–3 months → +12',
      'need: not answered yet',
    ]);
  });

  it('puts the bands at the thresholds: hot from hot, warm from warm, cold below', () => {
    const full = {
      budget: answer(20_000),
      authority: answer(true),
      timeline: answer('This month'),
      need: answer('x'),
    };
    expect(scoreAnswers(plan, full)).toMatchObject({ score: 100, band: 'hot' });
    // budget 4 × 0.875 + authority 3 + need 1 = 7.5 of 10: exactly hot; without the need, 6.5: warm.
    const edge = { budget: answer(8750), authority: answer(true), need: answer('A CRM') };
    expect(scoreAnswers(plan, edge)).toMatchObject({ score: 75, band: 'hot' });
    expect(scoreAnswers(plan, { ...edge, need: answer('') })).toMatchObject({ score: 65, band: 'warm' });
    expect(scoreAnswers(plan, { budget: answer(11_250), authority: answer(false) })).toMatchObject({
      score: 40,
      band: 'cold',
    });
    expect(scoreAnswers(plan, {})).toMatchObject({ score: 0, band: 'cold' });
  });

  it('gives nothing for an unexpected yes/no, an unknown option or a negative number', () => {
    const score = scoreAnswers(plan, {
      budget: answer(-5),
      authority: answer(false),
      timeline: answer('Next decade'),
    });
    expect(score.score).toBe(0);
  });

  it('a plan whose weights are all zero scores 0 without dividing by zero', () => {
    const flat = planFromStored({ enabled: true, criteria: [{ ...need, weight: 0 }] });
    expect(scoreAnswers(flat, { need: answer('A CRM') })).toMatchObject({ score: 0, band: 'cold' });
  });

  it('reads a stored plan that no longer validates as the default, switched off', () => {
    expect(planFromStored({ enabled: true, criteria: 'nonsense' }).enabled).toBe(false);
  });
});

describe('reading answers', () => {
  it.each([
    ['8000', 8000],
    ['About 8,000 dollars', 8000],
    ['5 000 €', 5000],
    ['1.5k', 1500],
    ['2m', 2_000_000],
    ['10 тыс', 10_000],
    ['12.5', 12.5],
    ['no idea', null],
  ])('a number from %j', (text, expected) => {
    expect(readNumber(text)).toBe(expected);
  });

  it.each([
    ['Yes, I decide', true],
    ['yep', true],
    ['Да, конечно', true],
    ['No, my boss does', false],
    ['Нет', false],
    ['Maybe later', null],
  ])('yes or no from %j', (text, expected) => {
    expect(readYesNo(text)).toBe(expected);
  });

  it('a choice by its label or its number, never a guess between several', () => {
    expect(valueFromReply(timeline, 'this month please')).toBe('This month');
    expect(valueFromReply(timeline, '2')).toBe('In 1–3 months');
    expect(valueFromReply(timeline, 'this month or later')).toBeNull();
    expect(valueFromReply(timeline, 'Hmm, what do you mean?')).toBeNull();
  });

  it('a text answer, but not a question back', () => {
    expect(valueFromReply(need, 'A CRM for my sales team')).toBe('A CRM for my sales team');
    expect(valueFromReply(need, 'Why do you ask?')).toBeNull();
  });

  it("the model's values as the criterion's type; anything else is refused", () => {
    expect(valueFromTool(budget, 9000)).toBe(9000);
    expect(valueFromTool(budget, '9k')).toBe(9000);
    expect(valueFromTool(budget, true)).toBeNull();
    expect(valueFromTool(authority, 'yes')).toBe(true);
    expect(valueFromTool(authority, 1)).toBeNull();
    expect(valueFromTool(timeline, 'THIS MONTH')).toBe('This month');
    expect(valueFromTool(timeline, 'tomorrow')).toBeNull();
    expect(valueFromTool(need, 'x'.repeat(600))).toHaveLength(500);
  });
});

describe('what the visitor already said', () => {
  const text = (c: QualificationCriterion, said: string) => alreadySaid(c, said);

  it('an amount of money is the budget; a bare number is not', () => {
    expect(text(budget, 'our budget is $12,000 and we are in Madrid')).toBe(12_000);
    expect(text(budget, 'We could spend 15k EUR')).toBe(15_000);
    expect(text(budget, 'бюджет 300 тыс руб')).toBe(300_000);
    expect(text(budget, 'We have 12 employees')).toBeNull();
  });

  it('a decider says so; a need and a time are read from plain phrases', () => {
    expect(text(authority, "I'm the owner of the shop")).toBe(true);
    expect(text(authority, 'I work there')).toBeNull();
    expect(text(authority, 'Добрый день, я директор компании')).toBe(true);
    expect(text({ ...timeline, type: 'text', options: [] }, 'Нужно через 2 недели')).toBe('через 2 недели');
    expect(text(need, 'Hi. We need a chatbot for our store. Price?')).toBe('We need a chatbot for our store');
    expect(text(timeline, 'we want it this month')).toBe('This month');
    expect(text({ ...timeline, type: 'text', options: [] }, 'ideally within 2 weeks')).toBe('within 2 weeks');
  });

  it('custom criteria are never guessed from free text', () => {
    const custom: QualificationCriterion = { ...need, key: 'roof', preset: null, question: 'Own the roof?' };
    expect(text(custom, 'We need solar, I own the roof')).toBeNull();
  });
});

describe('the prompt section', () => {
  it('with tools: the open items with their answer types, what is known, one question per reply', () => {
    const section = qualificationSection({
      open: [timeline, need],
      known: { budget: { value: 9000 } },
      toolsOffered: true,
      question: null,
    });
    expect(section).toContain(
      '- timeline: When would you like to start? — one of: "This month", "In 1–3 months", "Later"',
    );
    expect(section).toContain('- need: What would you like to solve with it? — text');
    expect(section).toContain('Already known: budget = 9000');
    expect(section).toContain('call record_qualification');
  });

  it('without tools: only the one question the server chose, after the answer', () => {
    const section = qualificationSection({
      open: [need],
      known: {},
      toolsOffered: false,
      question: need.question,
    });
    expect(section).toContain(JSON.stringify(need.question));
    expect(section).toContain('Ask no other question.');
    expect(qualificationSection({ open: [], known: {}, toolsOffered: false, question: null })).toBe('');
  });
});
