// The filters the conversation list and its export share, as SQL conditions on `public.conversations t`.
import { Filters } from '../http/filters.ts';

export interface ConversationFilterValues {
  agentId?: string | undefined;
  status?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
  hasLead?: boolean | undefined;
  q?: string | undefined;
}

/** `value` as a LIKE pattern that matches it literally anywhere (`%`, `_` and `\` escaped). */
export const containsPattern = (value: string): string => `%${value.replace(/[\\%_]/g, '\\$&')}%`;

export function conversationFilters(query: ConversationFilterValues): Filters {
  const hasLead = 'exists (select 1 from public.leads l where l.conversation_id = t.id)';
  return new Filters()
    .add('t.agent_id = $?', query.agentId)
    .add('t.status = $?', query.status)
    .add('t.created_at >= $?::timestamptz', query.from)
    .add('t.created_at < $?::timestamptz', query.to)
    .addIf(hasLead, query.hasLead === true)
    .addIf(`not ${hasLead}`, query.hasLead === false)
    .add(
      `(exists (select 1 from public.messages m where m.conversation_id = t.id and m.content ilike $?)
        or t.visitor ->> 'name' ilike $? or t.visitor ->> 'email' ilike $? or t.visitor ->> 'phone' ilike $?)`,
      query.q === undefined ? undefined : containsPattern(query.q),
    );
}
