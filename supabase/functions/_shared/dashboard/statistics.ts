// Dashboard figures for a period of whole days in the caller's time zone (DST-correct: days are local days).
import type { Dashboard } from '@closer/contract';
import type { Queryable } from '../db/types.ts';
import { knowledgeGaps } from '../knowledge/gaps.ts';
import { crmFigures } from './crm.ts';
import type { DashboardPeriod } from './period.ts';
import { IN_PERIOD, OF_AGENT, PERIOD, periodParams } from './period.ts';
import { qualificationFigures } from './qualification.ts';

/** Knowledge gaps shown per agent; the whole list is GET /dashboard/knowledge-gaps. */
const DASHBOARD_GAPS_PER_AGENT = 5;

const rate = (leads: number, conversations: number) =>
  conversations === 0 ? 0 : Math.round((leads / conversations) * 10000) / 10000;

export async function dashboardStatistics(tx: Queryable, period: DashboardPeriod): Promise<Dashboard> {
  const params = periodParams(period);

  const [totals] = await tx.query<{
    conversations: number;
    visitor_messages: number;
    leads: number;
    input_tokens: number;
    output_tokens: number;
  }>(
    `${PERIOD}
    select
      (select count(*)::int from public.conversations c where ${IN_PERIOD('c.created_at')} and ${OF_AGENT('c.agent_id')}) as conversations,
      (select count(*)::int from public.messages m join public.conversations c on c.id = m.conversation_id
        where m.role = 'user' and ${IN_PERIOD('m.created_at')} and ${OF_AGENT('c.agent_id')}) as visitor_messages,
      (select count(*)::int from public.leads l where ${IN_PERIOD('l.created_at')} and ${OF_AGENT('l.agent_id')}) as leads,
      (select coalesce(sum(m.input_tokens), 0)::bigint from public.messages m join public.conversations c on c.id = m.conversation_id
        where m.role = 'assistant' and ${IN_PERIOD('m.created_at')} and ${OF_AGENT('c.agent_id')}) as input_tokens,
      (select coalesce(sum(m.output_tokens), 0)::bigint from public.messages m join public.conversations c on c.id = m.conversation_id
        where m.role = 'assistant' and ${IN_PERIOD('m.created_at')} and ${OF_AGENT('c.agent_id')}) as output_tokens`,
    params,
  );

  const daily = await tx.query<{
    date: string;
    conversations: number;
    visitor_messages: number;
    leads: number;
  }>(
    `${PERIOD},
    days as (select d::date as date from generate_series($1::date, $2::date, interval '1 day') d),
    conversations as (
      select (c.created_at at time zone $3)::date as date, count(*)::int as n from public.conversations c
      where ${IN_PERIOD('c.created_at')} and ${OF_AGENT('c.agent_id')} group by 1),
    visitor_messages as (
      select (m.created_at at time zone $3)::date as date, count(*)::int as n
      from public.messages m join public.conversations c on c.id = m.conversation_id
      where m.role = 'user' and ${IN_PERIOD('m.created_at')} and ${OF_AGENT('c.agent_id')} group by 1),
    leads as (
      select (l.created_at at time zone $3)::date as date, count(*)::int as n from public.leads l
      where ${IN_PERIOD('l.created_at')} and ${OF_AGENT('l.agent_id')} group by 1)
    select to_char(days.date, 'YYYY-MM-DD') as date,
      coalesce(conversations.n, 0) as conversations,
      coalesce(visitor_messages.n, 0) as visitor_messages,
      coalesce(leads.n, 0) as leads
    from days
    left join conversations using (date)
    left join visitor_messages using (date)
    left join leads using (date)
    order by days.date`,
    params,
  );

  const agents = await tx.query<{
    id: string;
    name: string;
    conversations: number;
    visitor_messages: number;
    leads: number;
  }>(
    `${PERIOD}
    select a.id, a.name,
      (select count(*)::int from public.conversations c where c.agent_id = a.id and ${IN_PERIOD('c.created_at')}) as conversations,
      (select count(*)::int from public.messages m join public.conversations c on c.id = m.conversation_id
        where c.agent_id = a.id and m.role = 'user' and ${IN_PERIOD('m.created_at')}) as visitor_messages,
      (select count(*)::int from public.leads l where l.agent_id = a.id and ${IN_PERIOD('l.created_at')}) as leads
    from public.agents a where ${OF_AGENT('a.id')}
    order by conversations desc, a.name, a.id`,
    params,
  );

  const objections = await tx.query<{ id: string; objection: string; uses: number }>(
    `${PERIOD},
    uses as (
      select unnest(m.used_objection_ids) as id from public.messages m
      join public.conversations c on c.id = m.conversation_id
      where m.role = 'assistant' and ${IN_PERIOD('m.created_at')} and ${OF_AGENT('c.agent_id')})
    select o.id, o.objection, count(*)::int as uses
    from uses join public.objection_responses o on o.id = uses.id
    group by o.id, o.objection order by uses desc, o.objection limit 10`,
    params,
  );

  const crm = await crmFigures(tx, period);
  const qualification = await qualificationFigures(tx, period);
  const gaps = await knowledgeGaps(tx, period, {
    limit: DASHBOARD_GAPS_PER_AGENT * 100,
    perAgent: DASHBOARD_GAPS_PER_AGENT,
  });

  const t = totals ?? { conversations: 0, visitor_messages: 0, leads: 0, input_tokens: 0, output_tokens: 0 };
  return {
    from: period.from,
    to: period.to,
    tz: period.tz,
    totals: {
      conversations: t.conversations,
      visitorMessages: t.visitor_messages,
      leads: t.leads,
      conversionRate: rate(t.leads, t.conversations),
      inputTokens: Number(t.input_tokens),
      outputTokens: Number(t.output_tokens),
    },
    daily: daily.map((d) => ({
      date: d.date,
      conversations: d.conversations,
      visitorMessages: d.visitor_messages,
      leads: d.leads,
    })),
    agents: agents.map((a) => ({
      agentId: a.id,
      name: a.name,
      conversations: a.conversations,
      visitorMessages: a.visitor_messages,
      leads: a.leads,
      conversionRate: rate(a.leads, a.conversations),
    })),
    topObjections: objections.map((o) => ({ objectionId: o.id, objection: o.objection, uses: o.uses })),
    knowledgeGaps: gaps,
    qualification,
    ...crm,
  };
}
