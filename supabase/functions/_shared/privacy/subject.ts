// A data subject's rows — found by e-mail, phone or conversation — exported or erased inside the caller's
// tenant transaction (row-level security keeps every query to the organisation), and logged in privacy_audit.
import type { ErasureResult, PrivacyExport, PrivacySubject } from '@closer/contract';
import type { Queryable, Row } from '../db/types.ts';
import {
  CONVERSATION_SELECT,
  conversationFromRow,
  leadFromRow,
  messageFromRow,
} from '../resources/conversations.ts';

export interface Actor {
  kind: 'secret' | 'member' | 'visitor' | 'worker';
  id: string | null;
}

/** Digits only: "+7 (912) 345-67-89" and "79123456789" are one phone. */
const phoneDigits = (phone: string) => phone.replace(/\D/g, '');

/** `j***@example.com`, `***6789`: enough for the audit log to be read, not enough to re-identify. */
export function maskedSubject(subject: PrivacySubject): Record<string, string> {
  const masked: Record<string, string> = {};
  if (subject.email) {
    const [local = '', domain = ''] = subject.email.split('@');
    masked.email = `${local.slice(0, 1)}***@${domain}`;
  }
  if (subject.phone) masked.phone = `***${phoneDigits(subject.phone).slice(-4)}`;
  if (subject.conversationId) masked.conversationId = subject.conversationId;
  return masked;
}

interface Found {
  conversationIds: string[];
  leadIds: string[];
}

/** The subject's leads (every condition given must match) and conversations (theirs, or the one named). */
async function find(tx: Queryable, subject: PrivacySubject): Promise<Found> {
  const leads = await tx.query<{ id: string; conversation_id: string | null }>(
    `select id, conversation_id from public.leads
      where ($1::text is null or lower(email) = lower($1))
        and ($2::text is null or regexp_replace(coalesce(phone, ''), '\\D', '', 'g') = $2)
        and ($3::uuid is null or conversation_id = $3)`,
    [
      subject.email ?? null,
      subject.phone ? phoneDigits(subject.phone) : null,
      subject.conversationId ?? null,
    ],
  );
  const conversationIds = new Set(
    leads.flatMap((lead) => (lead.conversation_id ? [lead.conversation_id] : [])),
  );
  if (subject.conversationId && !subject.email && !subject.phone) {
    const [own] = await tx.query<{ id: string }>('select id from public.conversations where id = $1', [
      subject.conversationId,
    ]);
    if (own) conversationIds.add(own.id);
  }
  return { conversationIds: [...conversationIds], leadIds: leads.map((lead) => lead.id) };
}

async function audit(
  tx: Queryable,
  action: 'export' | 'erase',
  actor: Actor,
  subject: object,
  counts: object,
) {
  await tx.query(
    `insert into public.privacy_audit (org_id, action, actor_kind, actor_id, subject, counts)
     values (public.current_org_id(), $1, $2, $3, $4, $5)`,
    [action, actor.kind, actor.id, subject, counts],
  );
}

/** Everything stored about the subject, as JSON; the export is logged unless a visitor reads their own (null). */
export async function exportSubject(
  tx: Queryable,
  subject: PrivacySubject,
  actor: Actor | null,
): Promise<PrivacyExport> {
  const found = await find(tx, subject);
  const conversations = await tx.query(
    `${CONVERSATION_SELECT} where t.id = any ($1::uuid[]) order by t.created_at`,
    [found.conversationIds],
  );
  const messages = await tx.query(
    'select * from public.messages where conversation_id = any ($1::uuid[]) order by seq',
    [found.conversationIds],
  );
  const leads = await tx.query('select * from public.leads where id = any ($1::uuid[]) order by created_at', [
    found.leadIds,
  ]);
  const byConversation = (id: string) =>
    messages.filter((m: Row) => m.conversation_id === id).map(messageFromRow);
  if (actor)
    await audit(tx, 'export', actor, maskedSubject(subject), {
      conversations: conversations.length,
      messages: messages.length,
      leads: leads.length,
    });
  return {
    conversations: conversations.map((row) => ({
      ...conversationFromRow(row),
      messages: byConversation(row.id as string),
    })),
    leads: leads.map(leadFromRow),
    exportedAt: new Date().toISOString(),
  };
}

/**
 * Removes the subject's conversations (messages with them), leads and the leads' queued CRM deliveries, or
 * with `dryRun` only counts them. What was already sent to a CRM stays there: erase it in the CRM too.
 */
export async function eraseSubject(
  tx: Queryable,
  subject: PrivacySubject,
  actor: Actor,
  dryRun: boolean,
): Promise<ErasureResult> {
  const { conversationIds, leadIds } = await find(tx, subject);
  const [counts] = await tx.query<{ messages: number; jobs: number }>(
    `select (select count(*)::int from public.messages where conversation_id = any ($1::uuid[])) as messages,
            (select count(*)::int from public.jobs where payload ->> 'leadId' = any ($2::text[])) as jobs`,
    [conversationIds, leadIds],
  );
  const result: ErasureResult = {
    dryRun,
    conversations: conversationIds.length,
    messages: counts?.messages ?? 0,
    leads: leadIds.length,
    crmJobs: counts?.jobs ?? 0,
  };
  if (dryRun) return result;
  await tx.query(`delete from public.jobs where payload ->> 'leadId' = any ($1::text[])`, [leadIds]);
  await tx.query('delete from public.leads where id = any ($1::uuid[])', [leadIds]);
  await tx.query('delete from public.conversations where id = any ($1::uuid[])', [conversationIds]);
  const { dryRun: _, ...removed } = result;
  await audit(tx, 'erase', actor, maskedSubject(subject), removed);
  return result;
}
