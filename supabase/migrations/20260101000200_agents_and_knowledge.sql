-- Agents and what they know: own knowledge (chunked for retrieval), sales scripts, objection answers,
-- and the organisation's knowledge base linked to agents by category.
-- Child rows reference their parent by (id, org_id): foreign-key checks bypass RLS, so this is what keeps
-- a tenant from hanging rows onto another tenant's agent.

create table public.agents (
  id uuid primary key default gen_random_uuid(),
  org_id uuid not null references public.organizations (id) on delete cascade,
  name text not null check (length(btrim(name)) between 1 and 100),
  slug text not null check (slug ~ '^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$'),
  description text not null default '' check (length(description) <= 1000),
  persona text not null default '' check (length(persona) <= 8000),
  goal text not null default '' check (length(goal) <= 2000),
  language text not null default 'en' check (language ~ '^[a-z]{2}(-[A-Z]{2})?$'),
  model text not null default 'openai/gpt-4o-mini' check (length(model) between 1 and 200),
  temperature real not null default 0.4 check (temperature between 0 and 2),
  max_tokens integer not null default 600 check (max_tokens between 16 and 32000),
  greeting text not null default '' check (length(greeting) <= 1000),
  starter_prompts text[] not null default '{}' check (cardinality(starter_prompts) <= 6),
  lead_capture jsonb not null default '{}'::jsonb,
  allowed_origins text[] not null default '{}',
  theme jsonb not null default '{}'::jsonb,
  status text not null default 'active' check (status in ('active', 'paused')),
  publishable_key text not null unique check (publishable_key like 'pk\_%'),
  rate_limits jsonb not null default '{}'::jsonb,
  proactive_open_seconds integer check (proactive_open_seconds between 1 and 600),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (org_id, slug),
  unique (id, org_id)
);
create index agents_org_idx on public.agents (org_id, created_at desc, id desc);
create trigger agents_touch before update on public.agents
  for each row execute function public.touch_updated_at();
alter table public.agents enable row level security;
create policy agents_tenant on public.agents for all to authenticated
  using (org_id = (select public.current_org_id()))
  with check (org_id = (select public.current_org_id()));

create table public.company_knowledge (
  id uuid primary key default gen_random_uuid(),
  org_id uuid not null references public.organizations (id) on delete cascade,
  unique (id, org_id),
  agent_id uuid not null,
  foreign key (agent_id, org_id) references public.agents (id, org_id) on delete cascade,
  title text not null check (length(btrim(title)) between 1 and 300),
  content text not null check (length(btrim(content)) between 1 and 100000),
  tags text[] not null default '{}',
  source text check (length(source) <= 1000),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index company_knowledge_agent_idx on public.company_knowledge (agent_id, created_at desc, id desc);
create index company_knowledge_org_idx on public.company_knowledge (org_id);
create trigger company_knowledge_touch before update on public.company_knowledge
  for each row execute function public.touch_updated_at();
alter table public.company_knowledge enable row level security;
create policy company_knowledge_tenant on public.company_knowledge for all to authenticated
  using (org_id = (select public.current_org_id()))
  with check (org_id = (select public.current_org_id()));

-- Retrieval units: long knowledge is split into chunks; the API returns items as written.
create table public.knowledge_chunks (
  id uuid primary key default gen_random_uuid(),
  org_id uuid not null references public.organizations (id) on delete cascade,
  agent_id uuid not null,
  foreign key (agent_id, org_id) references public.agents (id, org_id) on delete cascade,
  knowledge_id uuid not null,
  foreign key (knowledge_id, org_id) references public.company_knowledge (id, org_id) on delete cascade,
  position integer not null check (position >= 0),
  language text not null default 'en',
  content text not null check (length(content) > 0),
  fts tsvector generated always as (to_tsvector(public.fts_config(language), content)) stored,
  unique (knowledge_id, position)
);
create index knowledge_chunks_fts_idx on public.knowledge_chunks using gin (fts);
create index knowledge_chunks_trgm_idx on public.knowledge_chunks using gin (content gin_trgm_ops);
create index knowledge_chunks_agent_idx on public.knowledge_chunks (agent_id);
create index knowledge_chunks_org_idx on public.knowledge_chunks (org_id);
alter table public.knowledge_chunks enable row level security;
create policy knowledge_chunks_tenant on public.knowledge_chunks for all to authenticated
  using (org_id = (select public.current_org_id()))
  with check (org_id = (select public.current_org_id()));

create table public.sales_scripts (
  id uuid primary key default gen_random_uuid(),
  org_id uuid not null references public.organizations (id) on delete cascade,
  agent_id uuid not null,
  foreign key (agent_id, org_id) references public.agents (id, org_id) on delete cascade,
  stage text not null check (stage in ('opening', 'discovery', 'presentation', 'closing', 'follow_up')),
  name text not null check (length(btrim(name)) between 1 and 200),
  content text not null check (length(btrim(content)) between 1 and 20000),
  position integer not null default 0 check (position between 0 and 1000),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index sales_scripts_agent_idx on public.sales_scripts (agent_id, created_at desc, id desc);
create index sales_scripts_org_idx on public.sales_scripts (org_id);
create trigger sales_scripts_touch before update on public.sales_scripts
  for each row execute function public.touch_updated_at();
alter table public.sales_scripts enable row level security;
create policy sales_scripts_tenant on public.sales_scripts for all to authenticated
  using (org_id = (select public.current_org_id()))
  with check (org_id = (select public.current_org_id()));

create table public.objection_responses (
  id uuid primary key default gen_random_uuid(),
  org_id uuid not null references public.organizations (id) on delete cascade,
  agent_id uuid not null,
  foreign key (agent_id, org_id) references public.agents (id, org_id) on delete cascade,
  objection text not null check (length(btrim(objection)) between 1 and 1000),
  keywords text[] not null default '{}',
  answer text not null check (length(btrim(answer)) between 1 and 10000),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index objection_responses_agent_idx on public.objection_responses (agent_id, created_at desc, id desc);
create index objection_responses_org_idx on public.objection_responses (org_id);
create index objection_responses_trgm_idx on public.objection_responses using gin (objection gin_trgm_ops);
create trigger objection_responses_touch before update on public.objection_responses
  for each row execute function public.touch_updated_at();
alter table public.objection_responses enable row level security;
create policy objection_responses_tenant on public.objection_responses for all to authenticated
  using (org_id = (select public.current_org_id()))
  with check (org_id = (select public.current_org_id()));

create table public.knowledge_categories (
  id uuid primary key default gen_random_uuid(),
  org_id uuid not null references public.organizations (id) on delete cascade,
  unique (id, org_id),
  name text not null check (length(btrim(name)) between 1 and 100),
  description text not null default '' check (length(description) <= 1000),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create unique index knowledge_categories_name_idx on public.knowledge_categories (org_id, lower(name));
create index knowledge_categories_order_idx on public.knowledge_categories (org_id, created_at desc, id desc);
create trigger knowledge_categories_touch before update on public.knowledge_categories
  for each row execute function public.touch_updated_at();
alter table public.knowledge_categories enable row level security;
create policy knowledge_categories_tenant on public.knowledge_categories for all to authenticated
  using (org_id = (select public.current_org_id()))
  with check (org_id = (select public.current_org_id()));

create table public.knowledge_articles (
  id uuid primary key default gen_random_uuid(),
  org_id uuid not null references public.organizations (id) on delete cascade,
  category_id uuid not null,
  foreign key (category_id, org_id) references public.knowledge_categories (id, org_id) on delete cascade,
  title text not null check (length(btrim(title)) between 1 and 300),
  content text not null check (length(btrim(content)) between 1 and 100000),
  language text not null default 'en',
  published boolean not null default true,
  fts tsvector generated always as (
    to_tsvector(public.fts_config(language), title || ' ' || content)
  ) stored,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index knowledge_articles_fts_idx on public.knowledge_articles using gin (fts);
create index knowledge_articles_trgm_idx on public.knowledge_articles using gin (title gin_trgm_ops);
create index knowledge_articles_category_idx on public.knowledge_articles (category_id);
create index knowledge_articles_order_idx on public.knowledge_articles (org_id, created_at desc, id desc);
create trigger knowledge_articles_touch before update on public.knowledge_articles
  for each row execute function public.touch_updated_at();
alter table public.knowledge_articles enable row level security;
create policy knowledge_articles_tenant on public.knowledge_articles for all to authenticated
  using (org_id = (select public.current_org_id()))
  with check (org_id = (select public.current_org_id()));

create table public.agent_knowledge_categories (
  org_id uuid not null references public.organizations (id) on delete cascade,
  agent_id uuid not null,
  foreign key (agent_id, org_id) references public.agents (id, org_id) on delete cascade,
  category_id uuid not null,
  foreign key (category_id, org_id) references public.knowledge_categories (id, org_id) on delete cascade,
  primary key (agent_id, category_id)
);
create index agent_knowledge_categories_category_idx on public.agent_knowledge_categories (category_id);
create index agent_knowledge_categories_org_idx on public.agent_knowledge_categories (org_id);
alter table public.agent_knowledge_categories enable row level security;
create policy agent_knowledge_categories_tenant on public.agent_knowledge_categories for all to authenticated
  using (org_id = (select public.current_org_id()))
  with check (org_id = (select public.current_org_id()));

grant select, insert, update, delete on all tables in schema public to authenticated, service_role;
