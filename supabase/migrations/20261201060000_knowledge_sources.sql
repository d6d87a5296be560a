-- Knowledge sources: files and web pages an agent learns from. A source owns the knowledge items it produced
-- (company_knowledge.source_id); each sync is a run with its counts and first errors. Processing state lives
-- on the run (`state`), so the outbox job only names the source and a crashed step resumes where it stopped.

create table public.knowledge_sources (
  id uuid primary key default gen_random_uuid(),
  org_id uuid not null references public.organizations (id) on delete cascade,
  unique (id, org_id),
  agent_id uuid not null,
  foreign key (agent_id, org_id) references public.agents (id, org_id) on delete cascade,
  kind text not null check (kind in ('file', 'url', 'sitemap', 'crawl')),
  name text not null check (length(btrim(name)) between 1 and 1000),
  -- file: {fileName, mediaType, byteSize, storageKey}; url: {urls}; sitemap/crawl: {urls, maxPages, maxDepth}
  settings jsonb not null default '{}'::jsonb,
  schedule text not null default 'off' check (schedule in ('daily', 'weekly', 'off')),
  status text not null default 'queued' check (status in ('queued', 'processing', 'ready', 'failed')),
  progress_done integer not null default 0 check (progress_done >= 0),
  progress_total integer check (progress_total >= 0),
  failure_reason text check (length(failure_reason) <= 2000),
  last_synced_at timestamptz,
  next_sync_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index knowledge_sources_agent_idx on public.knowledge_sources (agent_id, created_at desc, id desc);
create index knowledge_sources_org_idx on public.knowledge_sources (org_id);
create index knowledge_sources_due_idx on public.knowledge_sources (next_sync_at)
  where schedule <> 'off' and status in ('ready', 'failed');
create trigger knowledge_sources_touch before update on public.knowledge_sources
  for each row execute function public.touch_updated_at();
alter table public.knowledge_sources enable row level security;
create policy knowledge_sources_tenant on public.knowledge_sources for all to authenticated
  using (org_id = (select public.current_org_id()))
  with check (org_id = (select public.current_org_id()));
grant select, insert, update, delete on public.knowledge_sources to authenticated, service_role;

create table public.knowledge_source_runs (
  id uuid primary key default gen_random_uuid(),
  org_id uuid not null references public.organizations (id) on delete cascade,
  source_id uuid not null,
  foreign key (source_id, org_id) references public.knowledge_sources (id, org_id) on delete cascade,
  trigger text not null check (trigger in ('created', 'manual', 'schedule')),
  status text not null default 'running' check (status in ('running', 'succeeded', 'failed')),
  started_at timestamptz not null default now(),
  finished_at timestamptz,
  added integer not null default 0 check (added >= 0),
  updated integer not null default 0 check (updated >= 0),
  unchanged integer not null default 0 check (unchanged >= 0),
  removed integer not null default 0 check (removed >= 0),
  failed integer not null default 0 check (failed >= 0),
  -- The first errors of the run: [{location, message}], at most 20.
  errors jsonb not null default '[]'::jsonb,
  failure_reason text check (length(failure_reason) <= 2000),
  -- Where the run stands (cursor, crawl frontier); the worker's own, never shown.
  state jsonb not null default '{}'::jsonb,
  created_at timestamptz not null default now()
);
create index knowledge_source_runs_source_idx on public.knowledge_source_runs (source_id, created_at desc, id desc);
create index knowledge_source_runs_org_idx on public.knowledge_source_runs (org_id);
alter table public.knowledge_source_runs enable row level security;
create policy knowledge_source_runs_tenant on public.knowledge_source_runs for all to authenticated
  using (org_id = (select public.current_org_id()))
  with check (org_id = (select public.current_org_id()));
grant select, insert, update, delete on public.knowledge_source_runs to authenticated, service_role;

-- Items a source produced: deleted with it; `source_key` names the item inside its source (a page's canonical
-- URL, `page:3` of a PDF, `row:12` of a CSV), `content_hash` tells a changed item from an unchanged one, and
-- `seen_in_run` is the last run that found it (a finished run removes the items it did not see).
alter table public.company_knowledge
  add column source_id uuid,
  add column source_key text check (length(source_key) <= 2000),
  add column content_hash text check (length(content_hash) = 64),
  add column seen_in_run uuid,
  add constraint company_knowledge_source_fk foreign key (source_id, org_id)
    references public.knowledge_sources (id, org_id) on delete cascade,
  add constraint company_knowledge_source_owned_check check ((source_id is null) = (source_key is null));
create unique index company_knowledge_source_key_idx on public.company_knowledge (source_id, source_key)
  where source_id is not null;
create index company_knowledge_source_hash_idx on public.company_knowledge (source_id, content_hash)
  where source_id is not null;
