-- Hour and day windows (UTC) counted in Postgres, so ceilings hold across every function instance: model
-- replies with the tokens they used (per agent and per organisation) and lead writes (per conversation and
-- per agent). `rate_limits` keeps the short per-minute and per-second windows.
create table public.usage_counters (
  org_id uuid not null references public.organizations (id) on delete cascade,
  bucket text not null check (length(bucket) between 1 and 300),
  window_start timestamptz not null,
  window_end timestamptz not null check (window_end > window_start),
  hits integer not null default 0 check (hits >= 0),
  tokens bigint not null default 0 check (tokens >= 0),
  primary key (bucket, window_start)
);
create index usage_counters_org_idx on public.usage_counters (org_id);
create index usage_counters_end_idx on public.usage_counters (window_end);
alter table public.usage_counters enable row level security;
create policy usage_counters_tenant on public.usage_counters for all to authenticated
  using (org_id = (select public.current_org_id()))
  with check (org_id = (select public.current_org_id()));
grant select, insert, update, delete on public.usage_counters to authenticated, service_role;
