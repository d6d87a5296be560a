// What a Closer lead looks like in Kommo: the lead with its contact for `/api/v4/leads/complex`, the parts a
// correction changes (`PATCH /api/v4/leads/{id}`, `PATCH /api/v4/contacts/{id}`), and the transcript note.
import type { KommoSettings, QualificationPlan } from '@closer/contract';
import type { Row } from '../db/types.ts';
import { clipText } from '../text.ts';
import { settingsFromRow } from './connection.ts';
import {
  type AnswerFieldValue,
  answerFields,
  bandTagChange,
  bandTags,
  hotHandOff,
  qualificationLines,
} from './qualificationBody.ts';

const TRANSCRIPT_CHARS = 15_000;

/** The marker in the Kommo lead's name (and the note) that finds it again after an answer was lost. */
export const leadMarker = (leadId: string) => `Closer #${leadId.slice(0, 8)}`;

type CustomFieldValue =
  | { field_code: 'PHONE' | 'EMAIL'; values: { value: string; enum_code: 'WORK' }[] }
  | { field_id: number; values: { value: string }[] }
  | AnswerFieldValue;

/** The lead's own fields a correction may change (not its pipeline, stage or owner: the sales team moves those). */
export interface KommoLeadFields {
  /** Absent for a lead that lives in Kommo already (a Kommo chat): the sales team named it. */
  name?: string;
  custom_fields_values?: CustomFieldValue[];
  /** The qualification band's tag (see qualificationBody.ts); absent for a lead without qualification. */
  tags_to_add?: { name: string }[];
  tags_to_delete?: { name: string }[];
}

/** The contact's fields: name, `PHONE`, `EMAIL` and the custom fields mapped to the contact. */
export interface KommoContactFields {
  name?: string;
  custom_fields_values: CustomFieldValue[];
}

/** company and need go to the custom fields the settings map them to, on the lead or on its contact. */
function mappedFields(lead: Row, settings: KommoSettings, entity: 'lead' | 'contact'): CustomFieldValue[] {
  return (['company', 'need'] as const).flatMap((key) => {
    const target = settings.fieldMap[key];
    const value = lead[key];
    return target?.entity === entity && typeof value === 'string' && value
      ? [{ field_id: target.fieldId, values: [{ value }] }]
      : [];
  });
}

const visitorName = (lead: Row) => (lead.name ?? lead.phone ?? lead.email ?? 'Website visitor') as string;

/** `keepName`: the Kommo entity exists already and keeps its own name; `plan`: the agent's qualification plan. */
interface FieldOptions {
  keepName?: boolean | undefined;
  plan?: QualificationPlan | null | undefined;
}

export function kommoLeadFields(lead: Row, stored: unknown, options: FieldOptions = {}): KommoLeadFields {
  const onLead = [
    ...mappedFields(lead, settingsFromRow(stored), 'lead'),
    ...answerFields(lead, options.plan ?? null),
  ];
  return {
    ...(options.keepName ? {} : { name: `${visitorName(lead)} — ${leadMarker(lead.id as string)}` }),
    ...(onLead.length ? { custom_fields_values: onLead } : {}),
    ...bandTagChange(lead),
  };
}

export function kommoContactFields(
  lead: Row,
  stored: unknown,
  options: FieldOptions = {},
): KommoContactFields {
  const standard = (code: 'PHONE' | 'EMAIL', value: unknown): CustomFieldValue[] =>
    typeof value === 'string' && value ? [{ field_code: code, values: [{ value, enum_code: 'WORK' }] }] : [];
  return {
    ...(options.keepName ? {} : { name: (lead.name as string | null) ?? visitorName(lead) }),
    custom_fields_values: [
      ...standard('PHONE', lead.phone),
      ...standard('EMAIL', lead.email),
      ...mappedFields(lead, settingsFromRow(stored), 'contact'),
    ],
  };
}

/** One element of the `/api/v4/leads/complex` array: the lead in the chosen pipeline and stage, with its contact. */
export function kommoLeadCreate(lead: Row, stored: unknown, plan: QualificationPlan | null = null) {
  const settings = settingsFromRow(stored);
  const tags = [{ name: 'Closer' }, ...settings.tags.map((name) => ({ name })), ...bandTags(lead)];
  const { tags_to_add: _add, tags_to_delete: _delete, ...fields } = kommoLeadFields(lead, stored, { plan });
  // A lead hot already when it is first sent starts in the plan's hot stage.
  const hot = hotHandOff(lead, plan);
  const pipelineId = (hot?.statusId && hot.pipelineId) || settings.pipelineId;
  const statusId = hot?.statusId || settings.statusId;
  return {
    ...fields,
    ...(pipelineId ? { pipeline_id: pipelineId } : {}),
    ...(statusId ? { status_id: statusId } : {}),
    ...(settings.responsibleUserId ? { responsible_user_id: settings.responsibleUserId } : {}),
    _embedded: { contacts: [kommoContactFields(lead, stored)], tags },
  };
}

/** The transcript note's text; its first line carries the marker, so a note whose answer was lost is found. */
export function transcriptText(lead: Row, messages: { role: string; content: string }[]): string {
  const head = [
    `Conversation with the Closer sales agent (${leadMarker(lead.id as string)})`,
    lead.need ? `Need: ${lead.need}` : '',
    lead.company ? `Company: ${lead.company}` : '',
    ...qualificationLines(lead),
  ].filter(Boolean);
  const lines = messages.map((m) => `${m.role === 'user' ? 'Visitor' : 'Agent'}: ${m.content}`);
  const text = [...head, '', ...lines].join('\n');
  return text.length > TRANSCRIPT_CHARS ? `${clipText(text, TRANSCRIPT_CHARS)}\n…` : text;
}
