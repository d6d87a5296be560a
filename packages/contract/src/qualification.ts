// Lead qualification: an agent's plan (what to find out, how much each answer weighs, where hot and warm begin,
// what reaches Kommo), and the score a lead earns from the answers the conversation gathered.
import * as z from 'zod/mini';
import { id, int, text, timestamp } from './common.ts';

/** The classic criteria the console offers ready-made (BANT); a custom criterion has none. */
export const qualificationPreset = z.enum(['budget', 'authority', 'need', 'timeline']);
export type QualificationPreset = z.infer<typeof qualificationPreset>;

/** How an answer is read: free text, a number, one of the options, or yes/no. */
export const qualificationAnswerType = z.enum(['text', 'number', 'choice', 'yes_no']);
export type QualificationAnswerType = z.infer<typeof qualificationAnswerType>;

const choiceOptionShape = {
  label: text(1, 100),
  /** How much of the criterion's weight this option earns, 0–100 (%). */
  points: int(0, 100),
};

const choiceOptions = <O extends z.ZodMiniType<{ label: string; points: number }>>(option: O) =>
  z._default(z.array(option).check(z.maxLength(10)), []);

const criterionShape = {
  /** Names the criterion in answers, tool calls and Kommo: lowercase letters, digits and `_`. */
  key: z.string().check(z.regex(/^[a-z][a-z0-9_]{0,39}$/, 'must be lowercase letters, digits and _')),
  preset: z._default(z.nullable(qualificationPreset), null),
  /** The question the agent asks, in the agent's language (one per reply). */
  question: text(1, 300),
  type: qualificationAnswerType,
  /** Its share of the score against the other criteria's weights, 0–10 (0: asked, not scored). @default 1 */
  weight: z._default(int(0, 10), 1),
  /** `choice`: the options the visitor picks from (2–10), each with the share of the weight it earns. */
  options: choiceOptions(z.object(choiceOptionShape)),
  /** `number`: an answer at or above it earns the whole weight, below it a share in proportion. */
  minimum: z._default(z.nullable(z.number().check(z.gte(0))), null),
  /** `yes_no`: the answer that earns the weight. @default true */
  expected: z._default(z.boolean(), true),
  /** A Kommo custom field of the lead that receives the answer (null: the answer stays in the note). */
  kommoFieldId: z._default(z.nullable(z.number().check(z.int(), z.gt(0))), null),
};

const thresholdsShape = {
  /** A score at or above it is hot. @default 70 */
  hot: z._default(int(1, 100), 70),
  /** A score at or above it (and below hot) is warm; below it, cold. @default 40 */
  warm: z._default(int(0, 99), 40),
};

const kommoShape = {
  /** The pipeline a lead moves to when it turns hot (null: the lead's own pipeline). */
  hotPipelineId: z._default(z.nullable(z.number().check(z.int(), z.gt(0))), null),
  /** The stage a lead moves to when it turns hot (null: it stays where it is). */
  hotStatusId: z._default(z.nullable(z.number().check(z.int(), z.gt(0))), null),
  /** The task created for the responsible user when the lead turns hot (empty: no task). */
  hotTaskText: z._default(text(0, 500), 'Hot lead from the website chat: call back'),
  /** Hours until the task is due. @default 2 */
  hotTaskDueHours: z._default(int(1, 720), 2),
};

export const qualificationCriterion = z.object(criterionShape);
export type QualificationCriterion = z.infer<typeof qualificationCriterion>;

/** An agent's qualification plan as the API answers it (`GET /agents/:id/qualification`). */
export const qualificationPlan = z.object({
  /** Off: the agent asks nothing and leads carry no score. @default false */
  enabled: z._default(z.boolean(), false),
  criteria: z._default(z.array(qualificationCriterion).check(z.maxLength(12)), []),
  thresholds: z.prefault(z.object(thresholdsShape), {}),
  kommo: z.prefault(z.object(kommoShape), {}),
});
export type QualificationPlan = z.infer<typeof qualificationPlan>;

const planRules = z.superRefine<QualificationPlan>((plan, ctx) => {
  const keys = plan.criteria.map((c) => c.key);
  if (new Set(keys).size !== keys.length) {
    ctx.issues.push({ code: 'custom', input: keys, path: ['criteria'], message: 'keys must not repeat' });
  }
  plan.criteria.forEach((criterion, index) => {
    if (criterion.type === 'choice' && criterion.options.length < 2) {
      const path = ['criteria', index, 'options'];
      ctx.issues.push({
        code: 'custom',
        input: criterion,
        path,
        message: 'a choice needs at least two options',
      });
    }
  });
  if (plan.thresholds.warm >= plan.thresholds.hot) {
    ctx.issues.push({
      code: 'custom',
      input: plan.thresholds,
      path: ['thresholds', 'warm'],
      message: 'must be below hot',
    });
  }
});

/** `PUT /agents/:id/qualification`: the whole plan; unknown keys refused, defaults filled in. */
export const qualificationPlanInput = z
  .strictObject({
    enabled: z._default(z.boolean(), false),
    criteria: z._default(
      z
        .array(
          z.strictObject({ ...criterionShape, options: choiceOptions(z.strictObject(choiceOptionShape)) }),
        )
        .check(z.maxLength(12)),
      [],
    ),
    thresholds: z.prefault(z.strictObject(thresholdsShape), {}),
    kommo: z.prefault(z.strictObject(kommoShape), {}),
  })
  .check(planRules);
export type QualificationPlanInput = z.input<typeof qualificationPlanInput>;

export const qualificationAnswer = z.object({
  value: z.union([z.string(), z.number(), z.boolean()]),
  answeredAt: timestamp,
});
export type QualificationAnswer = z.infer<typeof qualificationAnswer>;

export const qualificationBand = z.enum(['hot', 'warm', 'cold']);
export type QualificationBand = z.infer<typeof qualificationBand>;

/** A lead's qualification: score 0–100, its band, the answers by criterion key, and why the score is what it is. */
export const leadQualification = z.object({
  score: z.number(),
  band: qualificationBand,
  /** One line per criterion: what was answered and what it earned, or that it is still open. */
  reason: z.string(),
  answers: z.record(z.string(), qualificationAnswer),
  updatedAt: timestamp,
});
export type LeadQualification = z.infer<typeof leadQualification>;

/** One change of a lead's score, in `GET /leads/:id/qualification`. */
export const qualificationChange = z.object({
  id,
  score: z.number(),
  band: qualificationBand,
  reason: z.string(),
  answers: z.record(z.string(), qualificationAnswer),
  /** `tool`: the model's record_qualification call; `reply`: the visitor's reply to the agent's question. */
  source: z.enum(['tool', 'reply']),
  createdAt: timestamp,
});
export type QualificationChange = z.infer<typeof qualificationChange>;

/** `GET /leads/:id/qualification`: the current state and its history, newest first (at most 100). */
export const leadQualificationHistory = z.object({
  current: z.nullable(leadQualification),
  history: z.array(qualificationChange),
});
export type LeadQualificationHistory = z.infer<typeof leadQualificationHistory>;

const preset = (
  key: QualificationPreset,
  question: string,
  type: QualificationAnswerType,
  rest: Partial<QualificationCriterion> = {},
): QualificationCriterion => ({
  key,
  preset: key,
  question,
  type,
  weight: 1,
  options: [],
  minimum: null,
  expected: true,
  kommoFieldId: null,
  ...rest,
});

/** The BANT criteria, in English, as a plan starts from them (reword, reweigh or drop each). */
export const QUALIFICATION_PRESETS: Record<QualificationPreset, QualificationCriterion> = {
  budget: preset('budget', 'What budget do you have in mind for this?', 'number', { minimum: 1000 }),
  authority: preset('authority', 'Are you the one who decides on this purchase?', 'yes_no'),
  need: preset('need', 'What would you like to solve with it?', 'text'),
  timeline: preset('timeline', 'When would you like to start?', 'choice', {
    options: [
      { label: 'This month', points: 100 },
      { label: 'In 1–3 months', points: 60 },
      { label: 'Later', points: 20 },
    ],
  }),
};
