-- Knowledge gaps: visitors' questions that retrieval found nothing relevant for (no passage, no objection answer;
-- greetings, thanks and requests for a person are not questions). The dashboard groups them by their words of
-- meaning, so an owner sees what to add. `lexemes` is the question's stemmed words of meaning in the agent's
-- language, sorted: questions that say the same thing in other words or order share it.

create table public.knowledge_gaps (
  id uuid primary key default gen_random_uuid(),
  org_id uuid not null references public.organizations (id) on delete cascade,
  agent_id uuid not null,
  foreign key (agent_id, org_id) references public.agents (id, org_id) on delete cascade,
  conversation_id uuid not null,
  foreign key (conversation_id, org_id) references public.conversations (id, org_id) on delete cascade,
  question text not null check (length(btrim(question)) between 1 and 4000),
  lexemes text[] not null default '{}',
  created_at timestamptz not null default now()
);
create index knowledge_gaps_agent_idx on public.knowledge_gaps (agent_id, created_at desc);
create index knowledge_gaps_org_idx on public.knowledge_gaps (org_id, created_at desc);
create index knowledge_gaps_conversation_idx on public.knowledge_gaps (conversation_id);
alter table public.knowledge_gaps enable row level security;
create policy knowledge_gaps_tenant on public.knowledge_gaps for all to authenticated
  using (org_id = (select public.current_org_id()))
  with check (org_id = (select public.current_org_id()));
-- A visitor's chat records the gaps of its own conversation and reads none.
select public.restrict_visitors('public.knowledge_gaps', 'false',
  'conversation_id = (select public.visitor_conversation_id())', 'false');
grant select, insert, update, delete on public.knowledge_gaps to authenticated, service_role;

-- The words of meaning of a question, stemmed in the agent's language, distinct and sorted.
create function public.question_lexemes(language text, question text) returns text[]
language sql immutable parallel safe set search_path = '' as $$
  select coalesce(array_agg(lexeme order by lexeme), '{}')
  from unnest(pg_catalog.tsvector_to_array(pg_catalog.to_tsvector(public.fts_config(language), question))) lexeme
$$;
grant execute on function public.question_lexemes(text, text) to authenticated, service_role;
