-- Kommo connection state, OAuth states, webhook deliveries, rate-limit counters and the outbox of jobs.

create table public.kommo_connections (
  id uuid primary key default gen_random_uuid(),
  org_id uuid not null unique references public.organizations (id) on delete cascade,
  base_domain text not null default 'kommo.com',
  subdomain text check (subdomain ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
  account_id bigint,
  -- AES-GCM ciphertexts (key: CLOSER_ENCRYPTION_KEY); never plaintext.
  access_token_enc text,
  refresh_token_enc text,
  expires_at timestamptz,
  status text not null default 'connected' check (status in ('connected', 'reauth_required', 'disconnected')),
  webhook_token_hash text unique check (webhook_token_hash ~ '^[0-9a-f]{64}$'),
  settings jsonb not null default '{}'::jsonb,
  pipelines jsonb not null default '[]'::jsonb,
  users jsonb not null default '[]'::jsonb,
  last_sync_at timestamptz,
  last_error text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (id, org_id)
);
create trigger kommo_connections_touch before update on public.kommo_connections
  for each row execute function public.touch_updated_at();
alter table public.kommo_connections enable row level security;
create policy kommo_connections_tenant on public.kommo_connections for all to authenticated
  using (org_id = (select public.current_org_id()))
  with check (org_id = (select public.current_org_id()));

create table public.oauth_states (
  id uuid primary key default gen_random_uuid(),
  org_id uuid not null references public.organizations (id) on delete cascade,
  nonce_hash text not null unique check (nonce_hash ~ '^[0-9a-f]{64}$'),
  return_url text,
  expires_at timestamptz not null,
  used_at timestamptz,
  created_at timestamptz not null default now()
);
create index oauth_states_org_idx on public.oauth_states (org_id);
alter table public.oauth_states enable row level security;
create policy oauth_states_tenant on public.oauth_states for all to authenticated
  using (org_id = (select public.current_org_id()))
  with check (org_id = (select public.current_org_id()));

create table public.webhook_events (
  id uuid primary key default gen_random_uuid(),
  org_id uuid not null references public.organizations (id) on delete cascade,
  connection_id uuid not null,
  foreign key (connection_id, org_id) references public.kommo_connections (id, org_id) on delete cascade,
  dedupe_key text not null,
  payload jsonb not null,
  received_at timestamptz not null default now(),
  processed_at timestamptz,
  unique (connection_id, dedupe_key)
);
create index webhook_events_org_idx on public.webhook_events (org_id, received_at desc);
alter table public.webhook_events enable row level security;
create policy webhook_events_tenant on public.webhook_events for all to authenticated
  using (org_id = (select public.current_org_id()))
  with check (org_id = (select public.current_org_id()));

-- Fixed-window counters kept in Postgres so limits hold across function instances.
create table public.rate_limits (
  org_id uuid not null references public.organizations (id) on delete cascade,
  bucket text not null check (length(bucket) between 1 and 300),
  window_start timestamptz not null,
  hits integer not null default 0 check (hits >= 0),
  primary key (bucket, window_start)
);
create index rate_limits_org_idx on public.rate_limits (org_id);
create index rate_limits_window_idx on public.rate_limits (window_start);
alter table public.rate_limits enable row level security;
create policy rate_limits_tenant on public.rate_limits for all to authenticated
  using (org_id = (select public.current_org_id()))
  with check (org_id = (select public.current_org_id()));

-- The outbox: work written in the same transaction as the change that needs it.
create table public.jobs (
  id uuid primary key default gen_random_uuid(),
  org_id uuid not null references public.organizations (id) on delete cascade,
  kind text not null check (length(kind) between 1 and 100),
  payload jsonb not null default '{}'::jsonb,
  status text not null default 'pending' check (status in ('pending', 'running', 'done', 'failed')),
  attempts integer not null default 0 check (attempts >= 0),
  run_after timestamptz not null default now(),
  locked_until timestamptz,
  last_error text,
  dedupe_key text unique,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index jobs_due_idx on public.jobs (run_after) where status in ('pending', 'running');
create index jobs_org_idx on public.jobs (org_id);
create trigger jobs_touch before update on public.jobs
  for each row execute function public.touch_updated_at();
alter table public.jobs enable row level security;
create policy jobs_tenant on public.jobs for all to authenticated
  using (org_id = (select public.current_org_id()))
  with check (org_id = (select public.current_org_id()));

grant select, insert, update, delete on all tables in schema public to authenticated, service_role;
