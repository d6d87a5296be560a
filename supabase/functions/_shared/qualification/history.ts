// A lead's qualification as the API shows it: the current score and the history of its changes, newest first.
import type { LeadQualificationHistory, QualificationChange } from '@closer/contract';
import type { Queryable } from '../db/types.ts';
import { notFound } from '../http/errors.ts';
import { leadFromRow } from '../resources/conversations.ts';
import { iso } from '../resources/time.ts';

const HISTORY_LIMIT = 100;

export async function leadQualificationHistory(
  tx: Queryable,
  leadId: string,
): Promise<LeadQualificationHistory> {
  const [lead] = await tx.query('select * from public.leads where id = $1', [leadId]);
  if (!lead) throw notFound('Lead');
  const rows = lead.conversation_id
    ? await tx.query(
        `select id, score, band, reason, answers, source, created_at from public.qualification_changes
         where conversation_id = $1 order by created_at desc, id desc limit $2`,
        [lead.conversation_id, HISTORY_LIMIT],
      )
    : [];
  return {
    current: leadFromRow(lead).qualification,
    history: rows.map(
      (row): QualificationChange => ({
        id: row.id as string,
        score: row.score as number,
        band: row.band as QualificationChange['band'],
        reason: row.reason as string,
        answers: row.answers as QualificationChange['answers'],
        source: row.source as QualificationChange['source'],
        createdAt: iso(row.created_at),
      }),
    ),
  };
}
