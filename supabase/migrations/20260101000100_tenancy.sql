-- Tenants: organisations, their members and secret API keys; the helpers every RLS policy uses.

create extension if not exists pg_trgm;

create or replace function public.touch_updated_at() returns trigger language plpgsql as $$
begin
  new.updated_at := now();
  return new;
end
$$;

-- Postgres full-text configuration for an agent's language code ('pt-BR' → portuguese); `simple` otherwise.
create or replace function public.fts_config(language text) returns regconfig
language sql immutable parallel safe as $$
  select case split_part(coalesce(language, ''), '-', 1)
    when 'en' then 'english'::regconfig
    when 'ru' then 'russian'::regconfig
    when 'es' then 'spanish'::regconfig
    when 'pt' then 'portuguese'::regconfig
    when 'de' then 'german'::regconfig
    when 'fr' then 'french'::regconfig
    when 'it' then 'italian'::regconfig
    when 'nl' then 'dutch'::regconfig
    when 'tr' then 'turkish'::regconfig
    else 'simple'::regconfig
  end
$$;

create table public.organizations (
  id uuid primary key default gen_random_uuid(),
  name text not null check (length(btrim(name)) between 1 and 100),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create trigger organizations_touch before update on public.organizations
  for each row execute function public.touch_updated_at();
alter table public.organizations enable row level security;

create table public.organization_members (
  org_id uuid not null references public.organizations (id) on delete cascade,
  user_id uuid not null references auth.users (id) on delete cascade,
  role text not null default 'member' check (role in ('owner', 'admin', 'member')),
  created_at timestamptz not null default now(),
  primary key (org_id, user_id)
);
create index organization_members_user_idx on public.organization_members (user_id);

-- The organisation the current request acts for, from the claims the server set with withTenant().
-- A member's claims carry `sub`: the membership is checked here, so a forged organisation id admits nothing.
-- Claims without `sub` come only from a key the server has verified (secret or publishable key).
create or replace function public.current_org_id() returns uuid
language sql stable security definer set search_path = public, pg_temp as $$
  select case
    when claims ->> 'org_id' is null then null
    when coalesce(claims ->> 'sub', '') = '' then (claims ->> 'org_id')::uuid
    when exists (
      select 1 from public.organization_members m
      where m.org_id = (claims ->> 'org_id')::uuid and m.user_id = (claims ->> 'sub')::uuid
    ) then (claims ->> 'org_id')::uuid
  end
  from (select nullif(current_setting('request.jwt.claims', true), '')::jsonb as claims) as c
$$;

alter table public.organization_members enable row level security;
create policy organization_members_tenant on public.organization_members for all to authenticated
  using (org_id = (select public.current_org_id()))
  with check (org_id = (select public.current_org_id()));

create policy organizations_tenant on public.organizations for all to authenticated
  using (id = (select public.current_org_id()))
  with check (id = (select public.current_org_id()));

create table public.api_keys (
  id uuid primary key default gen_random_uuid(),
  org_id uuid not null references public.organizations (id) on delete cascade,
  name text not null check (length(btrim(name)) between 1 and 100),
  prefix text not null check (prefix like 'sk\_%'),
  key_hash text not null unique check (key_hash ~ '^[0-9a-f]{64}$'),
  created_by uuid references auth.users (id) on delete set null,
  created_at timestamptz not null default now(),
  last_used_at timestamptz,
  revoked_at timestamptz
);
create index api_keys_org_idx on public.api_keys (org_id, created_at desc, id desc);
create index api_keys_prefix_idx on public.api_keys (prefix);
alter table public.api_keys enable row level security;
create policy api_keys_tenant on public.api_keys for all to authenticated
  using (org_id = (select public.current_org_id()))
  with check (org_id = (select public.current_org_id()));

grant select, insert, update, delete on all tables in schema public to authenticated, service_role;
grant execute on function public.current_org_id() to anon, authenticated, service_role;
