// Leads captured in chat: the capture_lead tool, and the one upsert both the tool and the form use.
import { type Lead, type LeadFields, leadFields, leadFieldsObject } from '@closer/contract';
import type { Queryable, Row } from '../db/types.ts';
import type { LlmTool } from '../llm/types.ts';
import { leadFromRow } from '../resources/conversations.ts';
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

/** Parses the model's arguments; the fields that are missing or invalid are dropped, not guessed. */
export function leadFieldsFromToolArguments(json: string): LeadFields | null {
  let raw: unknown;
  try {
    raw = JSON.parse(json || '{}');
  } catch {
    return null;
  }
  if (typeof raw !== 'object' || raw === null) return null;
  const kept: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    const field = leadFieldsObject.shape[key as keyof LeadFields];
    if (field && value !== '' && field.safeParse(value).success) kept[key] = value;
  }
  const parsed = leadFields.safeParse(kept);
  return parsed.success ? parsed.data : null;
}

/**
 * One lead per conversation: a second capture fills in or corrects fields, never duplicates. Each write counts
 * against the agent's lead limits (429 `rate_limited` over them).
 */
export async function upsertLead(
  tx: Queryable,
  lead: { orgId: string; agentId: string | null; conversationId: string; fields: LeadFields },
): Promise<Lead> {
  if (lead.agentId) await countLeadWrite(tx, { ...lead, agentId: lead.agentId });
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
     returning *`,
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
  return leadFromRow((await enqueueLeadSync(tx, lead.orgId, row!.id as string)) ?? row!);
}

/**
 * When Kommo is connected, the lead goes to the outbox in the caller's transaction: it is sent once the
 * transaction commits, and never without the lead. One job per lead; a later capture updates the lead the
 * pending job will send.
 */
async function enqueueLeadSync(tx: Queryable, orgId: string, leadId: string): Promise<Row | null> {
  const queued = await tx.query(
    `insert into public.jobs (org_id, kind, payload, dedupe_key)
     select c.org_id, 'kommo.sync_lead', jsonb_build_object('leadId', $2::text), 'kommo.sync_lead:' || $2
     from public.kommo_connections c
     where c.org_id = $1 and c.status = 'connected'
     on conflict (dedupe_key) do nothing
     returning id`,
    [orgId, leadId],
  );
  if (queued.length === 0) return null;
  // The lead as the caller returns it: now waiting for Kommo.
  const [pending] = await tx.query(
    `update public.leads set crm_provider = 'kommo', crm_state = 'pending', crm_error = null
     where id = $1 returning *`,
    [leadId],
  );
  return pending ?? null;
}
