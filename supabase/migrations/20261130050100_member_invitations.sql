-- Members are invited by e-mail and join when that user signs in; only owners change who belongs and with which
-- role, and an organisation always keeps an owner. The API checks the role first; these policies and the trigger
-- hold whatever code runs.

create table public.organization_invitations (
  id uuid primary key default gen_random_uuid(),
  org_id uuid not null references public.organizations (id) on delete cascade,
  email text not null check (length(email) between 3 and 320 and email ~ '^[^@\s]+@[^@\s]+$'),
  role text not null default 'member' check (role in ('owner', 'admin', 'member')),
  invited_by uuid references auth.users (id) on delete set null,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null default now() + interval '14 days',
  accepted_at timestamptz,
  accepted_by uuid references auth.users (id) on delete set null
);
-- One pending invitation per address and organisation; sign-in looks pending ones up by address.
create unique index organization_invitations_pending_idx
  on public.organization_invitations (org_id, lower(email)) where accepted_at is null;
create index organization_invitations_email_idx
  on public.organization_invitations (lower(email)) where accepted_at is null;
create index organization_invitations_org_idx on public.organization_invitations (org_id, created_at desc, id desc);
alter table public.organization_invitations enable row level security;
create policy organization_invitations_tenant on public.organization_invitations for all to authenticated
  using (org_id = (select public.current_org_id()))
  with check (org_id = (select public.current_org_id()));
grant select, insert, update, delete on public.organization_invitations to authenticated, service_role;
select public.restrict_visitors('public.organization_invitations', 'false', 'false', 'false');

-- The role of the signed-in member in the organisation the request acts for; null for keys and the server.
create or replace function public.current_member_role() returns text
language sql stable security definer set search_path = public, pg_temp as $$
  select m.role from public.organization_members m
  where m.org_id = public.current_org_id()
    and m.user_id = nullif(nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub', '')::uuid
$$;
grant execute on function public.current_member_role() to authenticated, service_role;

-- Who may change memberships and invitations: an owner, or the server's own work (claims without a kind, such
-- as accepting an invitation). Not a secret key: an admin could otherwise make one and promote themselves.
create or replace function public.may_manage_members() returns boolean
language sql stable as $$
  select coalesce(
    (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'kind') is null
      and not public.request_is_visitor(),
    false)
  or coalesce(public.current_member_role() = 'owner', false)
$$;
grant execute on function public.may_manage_members() to authenticated, service_role;

do $$
declare
  tbl text;
begin
  foreach tbl in array array['organization_members', 'organization_invitations'] loop
    execute format(
      'create policy %I on public.%I as restrictive for insert to authenticated with check ((select public.may_manage_members()))',
      tbl || '_owner_insert', tbl);
    execute format(
      'create policy %I on public.%I as restrictive for update to authenticated using ((select public.may_manage_members()))',
      tbl || '_owner_update', tbl);
    execute format(
      'create policy %I on public.%I as restrictive for delete to authenticated using ((select public.may_manage_members()))',
      tbl || '_owner_delete', tbl);
  end loop;
end
$$;

-- An organisation keeps at least one owner. The organisation's row is locked first, so two owners demoting or
-- removing each other at the same time are serialised and the second finds no owner left. Deleting the
-- organisation, or the user's account, is not stopped.
create or replace function public.keep_an_owner() returns trigger
language plpgsql security definer set search_path = public, pg_temp as $$
begin
  if old.role <> 'owner' or (tg_op = 'UPDATE' and new.role = 'owner' and new.org_id = old.org_id) then
    return null;
  end if;
  perform 1 from public.organizations where id = old.org_id for update;
  if not found or not exists (select 1 from auth.users where id = old.user_id) then
    return null;
  end if;
  if not exists (select 1 from public.organization_members where org_id = old.org_id and role = 'owner') then
    raise exception 'An organization keeps at least one owner' using errcode = 'CL409',
      hint = 'Make another member an owner first.';
  end if;
  return null;
end
$$;
create trigger organization_members_keep_an_owner
  after update or delete on public.organization_members
  for each row execute function public.keep_an_owner();

-- Credentials are an owner's or admin's business: a plain member's transaction sees no API keys and no OAuth
-- states, whatever the query asks (the API refuses the routes first). Keys and the server are not members.
do $$
declare
  tbl text;
begin
  foreach tbl in array array['api_keys', 'oauth_states'] loop
    execute format(
      'create policy %I on public.%I as restrictive for all to authenticated
         using (coalesce((select public.current_member_role()) <> ''member'', true))
         with check (coalesce((select public.current_member_role()) <> ''member'', true))',
      tbl || '_admins', tbl);
  end loop;
end
$$;
