-- Conversations, their messages and the leads they produce. Deleting an agent keeps all three.

create table public.conversations (
  id uuid primary key default gen_random_uuid(),
  org_id uuid not null references public.organizations (id) on delete cascade,
  agent_id uuid,
  foreign key (agent_id, org_id) references public.agents (id, org_id) on delete set null (agent_id),
  status text not null default 'active' check (status in ('active', 'closed')),
  visitor jsonb not null default '{}'::jsonb,
  metadata jsonb not null default '{}'::jsonb,
  visitor_token_hash text not null check (visitor_token_hash ~ '^[0-9a-f]{64}$'),
  script_stage text not null default 'opening'
    check (script_stage in ('opening', 'discovery', 'presentation', 'closing', 'follow_up')),
  message_count integer not null default 0 check (message_count >= 0),
  created_at timestamptz not null default now(),
  last_message_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (id, org_id)
);
create index conversations_org_idx on public.conversations (org_id, created_at desc, id desc);
create index conversations_agent_idx on public.conversations (agent_id, created_at desc);
create trigger conversations_touch before update on public.conversations
  for each row execute function public.touch_updated_at();
alter table public.conversations enable row level security;
create policy conversations_tenant on public.conversations for all to authenticated
  using (org_id = (select public.current_org_id()))
  with check (org_id = (select public.current_org_id()));

create table public.messages (
  id uuid primary key default gen_random_uuid(),
  -- Order of writing: timestamps can tie within a transaction, this cannot.
  seq bigint generated always as identity,
  org_id uuid not null references public.organizations (id) on delete cascade,
  conversation_id uuid not null,
  foreign key (conversation_id, org_id) references public.conversations (id, org_id) on delete cascade,
  role text not null check (role in ('user', 'assistant')),
  content text not null check (length(content) <= 100000),
  status text not null default 'complete' check (status in ('complete', 'interrupted')),
  finish_reason text,
  model text,
  input_tokens integer check (input_tokens >= 0),
  output_tokens integer check (output_tokens >= 0),
  -- What shaped this reply, for the dashboard's "most used objection answers".
  used_objection_ids uuid[] not null default '{}',
  used_script_ids uuid[] not null default '{}',
  created_at timestamptz not null default clock_timestamp()
);
create index messages_conversation_idx on public.messages (conversation_id, seq);
create index messages_org_idx on public.messages (org_id, created_at);
alter table public.messages enable row level security;
create policy messages_tenant on public.messages for all to authenticated
  using (org_id = (select public.current_org_id()))
  with check (org_id = (select public.current_org_id()));

create table public.leads (
  id uuid primary key default gen_random_uuid(),
  org_id uuid not null references public.organizations (id) on delete cascade,
  agent_id uuid,
  foreign key (agent_id, org_id) references public.agents (id, org_id) on delete set null (agent_id),
  -- One lead per conversation: a second capture updates it.
  conversation_id uuid unique,
  foreign key (conversation_id, org_id) references public.conversations (id, org_id)
    on delete set null (conversation_id),
  name text check (length(name) <= 200),
  email text check (length(email) <= 320),
  phone text check (length(phone) <= 50),
  company text check (length(company) <= 200),
  need text check (length(need) <= 2000),
  status text not null default 'new' check (status in ('new', 'in_progress', 'won', 'lost')),
  crm_provider text check (crm_provider in ('kommo')),
  crm_state text not null default 'not_connected'
    check (crm_state in ('not_connected', 'pending', 'synced', 'failed')),
  crm_external_id text,
  crm_error text,
  crm_synced_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  check (coalesce(name, email, phone, company, need) is not null)
);
create index leads_org_idx on public.leads (org_id, created_at desc, id desc);
create index leads_agent_idx on public.leads (agent_id, created_at desc);
create trigger leads_touch before update on public.leads
  for each row execute function public.touch_updated_at();
alter table public.leads enable row level security;
create policy leads_tenant on public.leads for all to authenticated
  using (org_id = (select public.current_org_id()))
  with check (org_id = (select public.current_org_id()));

grant select, insert, update, delete on all tables in schema public to authenticated, service_role;
