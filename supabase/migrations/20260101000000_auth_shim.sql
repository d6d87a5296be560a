-- What Supabase already provides, created only where it is missing, so these migrations run
-- unchanged on Supabase, plain PostgreSQL >= 15 and PGlite.

do $$
begin
  if not exists (select 1 from pg_roles where rolname = 'anon') then
    create role anon nologin noinherit;
  end if;
  if not exists (select 1 from pg_roles where rolname = 'authenticated') then
    create role authenticated nologin noinherit;
  end if;
  if not exists (select 1 from pg_roles where rolname = 'service_role') then
    create role service_role nologin noinherit bypassrls;
  end if;
end
$$;

-- The connecting role must be allowed to `set local role authenticated` (Supabase's postgres role already is).
do $$
begin
  execute format('grant anon, authenticated, service_role to %I', current_user);
exception when others then
  raise notice 'role grants left as they are: %', sqlerrm;
end
$$;

create schema if not exists auth;

create table if not exists auth.users (
  id uuid primary key default gen_random_uuid(),
  email text unique,
  created_at timestamptz not null default now()
);

do $$
begin
  if not exists (
    select 1 from pg_proc p join pg_namespace n on n.oid = p.pronamespace
    where n.nspname = 'auth' and p.proname = 'uid'
  ) then
    -- Same definition as Supabase's: the nullif matters, the setting reads '' after a transaction.
    create function auth.uid() returns uuid language sql stable as $f$
      select nullif(
        nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub', ''
      )::uuid
    $f$;
  end if;
end
$$;

grant usage on schema auth to anon, authenticated, service_role;
grant usage on schema public to anon, authenticated, service_role;
