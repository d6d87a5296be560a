-- Members of the current organisation with their e-mail: auth.users is not readable by `authenticated`
-- on Supabase, so this one function reads it for the caller's own organisation only.
create or replace function public.organization_member_directory()
returns table (user_id uuid, email text, role text, created_at timestamptz)
language sql stable security definer set search_path = public, pg_temp as $$
  select m.user_id, u.email::text, m.role, m.created_at
  from public.organization_members m
  left join auth.users u on u.id = m.user_id
  where m.org_id = public.current_org_id()
  order by m.created_at, m.user_id
$$;
revoke all on function public.organization_member_directory() from public;
grant execute on function public.organization_member_directory() to authenticated, service_role;
