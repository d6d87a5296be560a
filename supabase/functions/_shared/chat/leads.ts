// Leads captured in chat: the capture_lead tool, and the one upsert both the tool and the form use.
import { type Lead, type LeadFields, leadFields, leadFieldsObject } from '@closer/contract';
import type { Queryable } from '../db/types.ts';
import { publishLeadEvent } from '../events/leads.ts';
import { queueLeadSync } from '../kommo/leadQueue.ts';
import type { LlmTool } from '../llm/types.ts';
import { leadFromRow } from '../resources/conversations.ts';
import { clipText, sanitizeJson } from '../text.ts';
import { countLeadWrite } from './leadLimit.ts';

export const CAPTURE_LEAD_TOOL: LlmTool = {
  name: 'capture_lead',
  description:
    "Save the visitor's contact details when they share them, so the sales team can follow up. Only pass what the visitor actually said.",
  parameters: {
    type: 'object',
    properties: {
      name: { type: 'string', description: "The visitor's name" },
      email: { type: 'string', description: 'E-mail address' },
      phone: { type: 'string', description: 'Phone number, with country code when given' },
      company: { type: 'string', description: 'Company name' },
      need: { type: 'string', description: 'What the visitor wants, in one sentence' },
    },
    additionalProperties: false,
  },
};

/** Tool arguments longer than this are not read (a lead's fields fit in far less). */
const MAX_ARGUMENT_CHARS = 16_384;

/**
 * The arguments object as the model meant it. Servers stream arguments in pieces; some send `{}` and then
 * the whole object, repeat the object, or send each piece cumulatively. Read in order: the text as it is; the
 * objects written back to back, merged; the longest tail that parses (the last cumulative piece).
 */
export function parseToolArguments(text: string): Record<string, unknown> | null {
  const parsed = readToolArguments(text);
  // Model output like any other: NUL and lone surrogates (JSON escapes can carry them) never reach a tool.
  return parsed && sanitizeJson(parsed);
}

function readToolArguments(text: string): Record<string, unknown> | null {
  const json = clipText(text.trim(), MAX_ARGUMENT_CHARS) || '{}';
  const whole = parseObject(json);
  if (whole) return whole;
  const pieces = splitObjects(json);
  if (pieces.length > 1) {
    const objects = pieces.map(parseObject);
    if (objects.every((o) => o !== null)) return Object.assign({}, ...objects);
  }
  for (let at = json.indexOf('{', 1); at !== -1; at = json.indexOf('{', at + 1)) {
    const tail = parseObject(json.slice(at));
    if (tail) return tail;
  }
  return null;
}

function parseObject(json: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(json);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

/** Splits `{…}{…}` into its top-level objects, minding braces inside strings. */
function splitObjects(json: string): string[] {
  const pieces: string[] = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  for (let i = 0; i < json.length; i++) {
    const ch = json[i];
    if (inString) {
      if (ch === '\\') i++;
      else if (ch === '"') inString = false;
    } else if (ch === '"') inString = true;
    else if (ch === '{') {
      if (depth++ === 0) start = i;
    } else if (ch === '}' && depth > 0 && --depth === 0) pieces.push(json.slice(start, i + 1));
  }
  return pieces;
}

/** A field of the model's capture_lead call that was not saved, and why. */
export interface RefusedLeadField {
  field: string;
  reason: string;
}

/** The lead fields a capture_lead call gives: the valid ones, and the others with the reason each was refused. */
export interface ToolLeadFields {
  /** Null when no field is valid (or the arguments are not an object). */
  fields: LeadFields | null;
  refused: RefusedLeadField[];
}

/** Refused fields named back to the model, at most (a runaway call could send thousands of keys). */
const MAX_REFUSED_NAMED = 10;

/** Parses the model's arguments; the fields that are missing or invalid are dropped, not guessed, and named. */
export function leadFieldsFromToolArguments(json: string): ToolLeadFields {
  const raw = parseToolArguments(json);
  if (!raw) return { fields: null, refused: [{ field: 'arguments', reason: 'not a JSON object' }] };
  const kept: Record<string, unknown> = {};
  const refused: RefusedLeadField[] = [];
  for (const [key, value] of Object.entries(raw)) {
    const refuse = (reason: string) => refused.push({ field: clipText(key, 40), reason });
    if (!Object.hasOwn(leadFieldsObject.shape, key)) refuse('not a field this tool takes');
    else if (value === '' || value === null) refuse('empty');
    else {
      const parsed = leadFieldsObject.shape[key as keyof LeadFields].safeParse(value);
      if (parsed.success) kept[key] = parsed.data;
      else refuse(parsed.error.issues[0]?.message ?? 'invalid');
    }
  }
  const parsed = leadFields.safeParse(kept);
  return { fields: parsed.success ? parsed.data : null, refused };
}

/**
 * The tool result the model reads: exactly which fields were saved and which were refused and why, so that it
 * tells the visitor the truth (and asks again for what was refused).
 */
export function captureLeadAnswer(saved: LeadFields | null, refused: RefusedLeadField[]): string {
  const refusedText = refused
    .slice(0, MAX_REFUSED_NAMED)
    .map((r) => `${r.field} (${r.reason})`)
    .concat(refused.length > MAX_REFUSED_NAMED ? [`${refused.length - MAX_REFUSED_NAMED} more`] : [])
    .join('; ');
  const savedNames = saved
    ? Object.keys(saved).filter((k) => saved[k as keyof LeadFields] !== undefined)
    : [];
  if (savedNames.length === 0) {
    return `Nothing saved${refusedText ? `: refused ${refusedText}` : ': no name, email, phone, company or need was given'}. Do not say anything was saved; ask the visitor again politely.`;
  }
  const savedText = `Saved: ${savedNames.join(', ')}.`;
  if (!refusedText) return `${savedText} Thank the visitor and confirm the next step.`;
  return `${savedText} NOT saved: ${refusedText}. Tell the visitor only the saved details were recorded and ask again for the others.`;
}

/**
 * One lead per conversation: a second capture fills in or corrects fields, never duplicates. Each write counts
 * against the agent's lead limits (429 `rate_limited` over them).
 */
export async function upsertLead(
  tx: Queryable,
  lead: {
    orgId: string;
    agentId: string | null;
    conversationId: string;
    fields: LeadFields;
    /** The client's address bucket (null: unknown), for the per-address lead limit. */
    address: string | null;
    /** Runs in the same transaction when this call created the lead (the agent's handoff rule). */
    afterCreated?: (tx: Queryable) => Promise<unknown>;
    /** The caller already counted this write against the lead limits (a booking, before its provider call). */
    counted?: boolean;
  },
): Promise<Lead> {
  if (lead.agentId && !lead.counted) await countLeadWrite(tx, { ...lead, agentId: lead.agentId });
  const f = lead.fields;
  const [row] = await tx.query(
    `insert into public.leads (org_id, agent_id, conversation_id, name, email, phone, company, need)
     values ($1, $2, $3, $4, $5, $6, $7, $8)
     on conflict (conversation_id) do update set
       name = coalesce(excluded.name, leads.name),
       email = coalesce(excluded.email, leads.email),
       phone = coalesce(excluded.phone, leads.phone),
       company = coalesce(excluded.company, leads.company),
       need = coalesce(excluded.need, leads.need)
     returning *, (xmax = 0) as inserted`,
    [
      lead.orgId,
      lead.agentId,
      lead.conversationId,
      f.name ?? null,
      f.email ?? null,
      f.phone ?? null,
      f.company ?? null,
      f.need ?? null,
    ],
  );
  // A capture, or a correction of a lead Kommo already has, goes to Kommo through the outbox.
  const saved = (await queueLeadSync(tx, lead.orgId, row!.id as string)) ?? row!;
  await publishLeadEvent(tx, row!.inserted ? 'lead.created' : 'lead.updated', saved);
  if (row!.inserted) await lead.afterCreated?.(tx);
  return leadFromRow(saved);
}
