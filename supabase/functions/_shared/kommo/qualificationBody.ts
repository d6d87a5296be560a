// What a lead's qualification adds in Kommo: the answers in the custom fields the agent's plan maps them to, the
// score band as a tag (`Closer: hot`), and, once the lead is hot, the plan's stage and a task for the responsible
// user. The lead row carries its qualification (`leads.qualification`); the plan is its agent's.
import type { LeadQualification, QualificationBand, QualificationPlan } from '@closer/contract';
import type { Row } from '../db/types.ts';

export const BANDS: QualificationBand[] = ['hot', 'warm', 'cold'];
export const bandTag = (band: QualificationBand) => `Closer: ${band}`;

export type AnswerFieldValue = { field_id: number; values: { value: string | number }[] };

const qualificationOf = (lead: Row) => (lead.qualification as LeadQualification | null) ?? null;

/** Answers of criteria mapped to a Kommo lead field: numbers as numbers, yes/no as "yes"/"no", the rest as text. */
export function answerFields(lead: Row, plan: QualificationPlan | null): AnswerFieldValue[] {
  const qualification = qualificationOf(lead);
  if (!plan || !qualification) return [];
  return plan.criteria.flatMap((criterion) => {
    const answer = qualification.answers[criterion.key];
    if (criterion.kommoFieldId === null || !answer) return [];
    const value = typeof answer.value === 'boolean' ? (answer.value ? 'yes' : 'no') : answer.value;
    return [{ field_id: criterion.kommoFieldId, values: [{ value }] }];
  });
}

/** The band tag to add and the other bands' tags to remove (a PATCH keeps the salespeople's own tags). */
export function bandTagChange(lead: Row) {
  const qualification = qualificationOf(lead);
  if (!qualification) return {};
  return {
    tags_to_add: [{ name: bandTag(qualification.band) }],
    tags_to_delete: BANDS.filter((b) => b !== qualification.band).map((b) => ({ name: bandTag(b) })),
  };
}

export const bandTags = (lead: Row) => {
  const qualification = qualificationOf(lead);
  return qualification ? [{ name: bandTag(qualification.band) }] : [];
};

export interface HotHandOff {
  pipelineId: number | null;
  statusId: number | null;
  taskText: string;
  taskDueHours: number;
}

/** What the plan does with a hot lead; null while the lead is not hot (or has no plan). */
export function hotHandOff(lead: Row, plan: QualificationPlan | null): HotHandOff | null {
  if (!plan || qualificationOf(lead)?.band !== 'hot') return null;
  return {
    pipelineId: plan.kommo.hotPipelineId,
    statusId: plan.kommo.hotStatusId,
    taskText: plan.kommo.hotTaskText,
    taskDueHours: plan.kommo.hotTaskDueHours,
  };
}

/** A qualification summary for the transcript note. */
export function qualificationLines(lead: Row): string[] {
  const qualification = qualificationOf(lead);
  return qualification ? [`Qualification: ${qualification.reason}`] : [];
}
