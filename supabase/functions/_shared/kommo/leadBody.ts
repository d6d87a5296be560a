// What a Closer lead looks like in Kommo: the lead with its contact for `/api/v4/leads/complex`, the parts a
// correction changes (`PATCH /api/v4/leads/{id}`, `PATCH /api/v4/contacts/{id}`), and the transcript note.
import type { KommoSettings } from '@closer/contract';
import type { Row } from '../db/types.ts';
import { settingsFromRow } from './connection.ts';

const TRANSCRIPT_CHARS = 15_000;

/** The marker in the Kommo lead's name (and the note) that finds it again after an answer was lost. */
export const leadMarker = (leadId: string) => `Closer #${leadId.slice(0, 8)}`;

type CustomFieldValue =
  | { field_code: 'PHONE' | 'EMAIL'; values: { value: string; enum_code: 'WORK' }[] }
  | { field_id: number; values: { value: string }[] };

/** The lead's own fields a correction may change (not its pipeline, stage or owner: the sales team moves those). */
export interface KommoLeadFields {
  /** Absent for a lead that lives in Kommo already (a Kommo chat): the sales team named it. */
  name?: string;
  custom_fields_values?: CustomFieldValue[];
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

/** `keepName`: the Kommo entity exists already and keeps its own name. */
interface FieldOptions {
  keepName?: boolean | undefined;
}

export function kommoLeadFields(lead: Row, stored: unknown, options: FieldOptions = {}): KommoLeadFields {
  const onLead = mappedFields(lead, settingsFromRow(stored), 'lead');
  return {
    ...(options.keepName ? {} : { name: `${visitorName(lead)} — ${leadMarker(lead.id as string)}` }),
    ...(onLead.length ? { custom_fields_values: onLead } : {}),
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
export function kommoLeadCreate(lead: Row, stored: unknown) {
  const settings = settingsFromRow(stored);
  const tags = [{ name: 'Closer' }, ...settings.tags.map((name) => ({ name }))];
  return {
    ...kommoLeadFields(lead, stored),
    ...(settings.pipelineId ? { pipeline_id: settings.pipelineId } : {}),
    ...(settings.statusId ? { status_id: settings.statusId } : {}),
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
  ].filter(Boolean);
  const lines = messages.map((m) => `${m.role === 'user' ? 'Visitor' : 'Agent'}: ${m.content}`);
  const text = [...head, '', ...lines].join('\n');
  return text.length > TRANSCRIPT_CHARS ? `${text.slice(0, TRANSCRIPT_CHARS)}\n…` : text;
}
