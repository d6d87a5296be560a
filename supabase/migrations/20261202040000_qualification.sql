-- Lead qualification: each agent's plan (criteria, weights, hot/warm thresholds, what goes to Kommo), the answers a
-- conversation gathered with the score they earn (one row per conversation: answers can come before contact
-- details make a lead), and the history of every change of score. A lead shows its conversation's qualification
-- (`leads.qualification`, kept by the triggers below).

create table public.qualification_plans (
  agent_id uuid primary key,
  org_id uuid not null references public.organizations (id) on delete cascade,
  foreign key (agent_id, org_id) references public.agents (id, org_id) on delete cascade,
  plan jsonb not null check (jsonb_typeof(plan) = 'object'),
  updated_at timestamptz not null default now()
);
create index qualification_plans_org_idx on public.qualification_plans (org_id);
create trigger qualification_plans_touch before update on public.qualification_plans
  for each row execute function public.touch_updated_at();
alter table public.qualification_plans enable row level security;
create policy qualification_plans_tenant on public.qualification_plans for all to authenticated
  using (org_id = (select public.current_org_id()))
  with check (org_id = (select public.current_org_id()));
-- A visitor's chat reads its agent's plan, never changes it.
select public.restrict_visitors('public.qualification_plans',
  'agent_id = (select public.visitor_agent_id())', 'false', 'false');
revoke all on public.qualification_plans from public, anon;
grant select, insert, update, delete on public.qualification_plans to authenticated, service_role;

create table public.qualifications (
  conversation_id uuid primary key,
  org_id uuid not null references public.organizations (id) on delete cascade,
  foreign key (conversation_id, org_id) references public.conversations (id, org_id) on delete cascade,
  agent_id uuid,
  foreign key (agent_id, org_id) references public.agents (id, org_id) on delete set null (agent_id),
  -- { "<criterion key>": { "value": text | number | boolean, "answeredAt": iso } }
  answers jsonb not null default '{}'::jsonb check (jsonb_typeof(answers) = 'object'),
  score integer not null default 0 check (score between 0 and 100),
  band text not null default 'cold' check (band in ('hot', 'warm', 'cold')),
  reason text not null default '' check (length(reason) <= 4000),
  -- The criterion the agent's last reply asked about (tool-less models and the offline responder).
  pending_key text check (length(pending_key) <= 40),
  -- Criteria already asked once: a question is never asked twice in a conversation.
  asked_keys text[] not null default '{}',
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index qualifications_org_idx on public.qualifications (org_id, updated_at desc);
create index qualifications_agent_idx on public.qualifications (agent_id, updated_at desc);
create trigger qualifications_touch before update on public.qualifications
  for each row execute function public.touch_updated_at();
alter table public.qualifications enable row level security;
create policy qualifications_tenant on public.qualifications for all to authenticated
  using (org_id = (select public.current_org_id()))
  with check (org_id = (select public.current_org_id()));
-- A visitor's chat reads and writes the qualification of its own conversation only.
select public.restrict_visitors('public.qualifications',
  'conversation_id = (select public.visitor_conversation_id())',
  'conversation_id = (select public.visitor_conversation_id())', 'false');
revoke all on public.qualifications from public, anon;
grant select, insert, update, delete on public.qualifications to authenticated, service_role;

-- Every change of a conversation's score, answers or reason: appended, never changed by a tenant.
create table public.qualification_changes (
  id uuid primary key default gen_random_uuid(),
  org_id uuid not null references public.organizations (id) on delete cascade,
  conversation_id uuid not null,
  foreign key (conversation_id, org_id) references public.conversations (id, org_id) on delete cascade,
  score integer not null check (score between 0 and 100),
  band text not null check (band in ('hot', 'warm', 'cold')),
  reason text not null check (length(reason) <= 4000),
  answers jsonb not null check (jsonb_typeof(answers) = 'object'),
  -- Who gave the answers: the model's record_qualification call, or the visitor's reply to the agent's question.
  source text not null check (source in ('tool', 'reply')),
  created_at timestamptz not null default clock_timestamp()
);
create index qualification_changes_conversation_idx
  on public.qualification_changes (conversation_id, created_at desc, id desc);
create index qualification_changes_org_idx on public.qualification_changes (org_id, created_at desc);
alter table public.qualification_changes enable row level security;
create policy qualification_changes_read on public.qualification_changes for select to authenticated
  using (org_id = (select public.current_org_id()));
create policy qualification_changes_append on public.qualification_changes for insert to authenticated
  with check (org_id = (select public.current_org_id()));
-- A visitor's chat appends to its own conversation's history and reads none of it.
select public.restrict_visitors('public.qualification_changes', 'false',
  'conversation_id = (select public.visitor_conversation_id())', 'false');
-- Granted like every table (the policies above admit no update or delete).
revoke all on public.qualification_changes from public, anon;
grant select, insert, update, delete on public.qualification_changes to authenticated, service_role;

-- The lead's view of its conversation's qualification, as the API shows it (null: nothing gathered yet).
alter table public.leads add column qualification jsonb;

create function public.qualification_view(q public.qualifications) returns jsonb
language sql immutable set search_path = '' as $$
  select pg_catalog.jsonb_build_object('score', q.score, 'band', q.band, 'reason', q.reason,
    'answers', q.answers, 'updatedAt', q.updated_at)
$$;
revoke all on function public.qualification_view(public.qualifications) from public, anon;
grant execute on function public.qualification_view(public.qualifications) to authenticated, service_role;

-- Security invoker: a visitor's transaction reaches only its own conversation's rows, as RLS says.
create function public.qualifications_to_lead() returns trigger
language plpgsql set search_path = public, pg_temp as $$
begin
  update public.leads set qualification = public.qualification_view(new)
  where conversation_id = new.conversation_id;
  return new;
end
$$;
revoke all on function public.qualifications_to_lead() from public, anon;
grant execute on function public.qualifications_to_lead() to authenticated, service_role;
create trigger qualifications_to_lead after insert or update on public.qualifications
  for each row execute function public.qualifications_to_lead();

create function public.lead_takes_qualification() returns trigger
language plpgsql set search_path = public, pg_temp as $$
begin
  if new.conversation_id is not null then
    new.qualification := (select public.qualification_view(q) from public.qualifications q
                          where q.conversation_id = new.conversation_id);
  end if;
  return new;
end
$$;
revoke all on function public.lead_takes_qualification() from public, anon;
grant execute on function public.lead_takes_qualification() to authenticated, service_role;
create trigger leads_take_qualification before insert on public.leads
  for each row execute function public.lead_takes_qualification();

-- Retention anonymises a lead: its qualification keeps score and band (the dashboard counts them) and loses the
-- answers and the reason, which repeat what the person said. (20261201080000 defined it without qualification.)
create or replace function public.anonymize_leads(p_ids uuid[]) returns integer
language sql security invoker set search_path = public as $$
  with done as (
    update public.leads
       set name = 'Anonymised', email = null, phone = null, company = null, need = null, crm_error = null,
           qualification = case when qualification is null then null
                                else qualification || '{"answers": {}, "reason": ""}'::jsonb end
     where id = any (p_ids) and name is distinct from 'Anonymised'
    returning 1
  )
  select count(*)::int from done
$$;
revoke execute on function public.anonymize_leads(uuid[]) from public, anon;
grant execute on function public.anonymize_leads(uuid[]) to authenticated, service_role;
