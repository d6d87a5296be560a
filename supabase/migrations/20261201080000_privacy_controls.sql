-- Privacy controls: per-organisation retention of conversations and leads, applied by one SQL function (the
-- worker calls it; pg_cron daily where it exists), and an audit log of exports, erasures and retention runs.

alter table public.organizations
  add column retention_days integer check (retention_days between 1 and 3650),
  add column lead_retention text not null default 'keep' check (lead_retention in ('keep', 'anonymize', 'delete'));

create table public.privacy_audit (
  id uuid primary key default gen_random_uuid(),
  org_id uuid not null references public.organizations (id) on delete cascade,
  action text not null check (action in ('export', 'erase', 'retention', 'retention_settings')),
  actor_kind text not null check (actor_kind in ('secret', 'member', 'visitor', 'worker')),
  actor_id text check (length(actor_id) <= 100),
  subject jsonb not null default '{}'::jsonb,
  counts jsonb not null default '{}'::jsonb,
  created_at timestamptz not null default clock_timestamp()
);
create index privacy_audit_org_idx on public.privacy_audit (org_id, created_at desc, id desc);
alter table public.privacy_audit enable row level security;
-- The log is appended to and read; never changed or removed by a tenant.
create policy privacy_audit_read on public.privacy_audit for select to authenticated
  using (org_id = (select public.current_org_id()));
create policy privacy_audit_append on public.privacy_audit for insert to authenticated
  with check (org_id = (select public.current_org_id()));
-- A visitor (publishable key) neither reads nor writes the log: its own erasure is logged by the function below.
select public.restrict_visitors('public.privacy_audit'::regclass, 'false', 'false', 'false');
revoke all on public.privacy_audit from public, anon;
grant select, insert on public.privacy_audit to authenticated;
grant select, insert, update, delete on public.privacy_audit to service_role;

-- A lead with its personal fields removed: the row stays (counts, outcomes) but says nothing about the person.
create function public.anonymize_leads(p_ids uuid[]) returns integer
language sql security invoker set search_path = public as $$
  with done as (
    update public.leads
       set name = 'Anonymised', email = null, phone = null, company = null, need = null, crm_error = null
     where id = any (p_ids) and name is distinct from 'Anonymised'
    returning 1
  )
  select count(*)::int from done
$$;

-- Applies (or, with p_dry_run, only counts) every visible organisation's retention. Security invoker: inside a
-- tenant's transaction row-level security narrows it to that organisation; the worker (the table owner) runs it
-- for all of them. Returns one row per organisation with a retention period.
create function public.apply_retention(p_dry_run boolean)
returns table (org_id uuid, conversations integer, messages integer, leads integer)
language plpgsql security invoker set search_path = public as $$
declare
  org record;
  cutoff timestamptz;
  due_conversations uuid[];
  due_leads uuid[];
begin
  for org in select o.id, o.retention_days, o.lead_retention from public.organizations o
             where o.retention_days is not null loop
    cutoff := now() - make_interval(days => org.retention_days);
    select coalesce(array_agg(c.id), '{}') into due_conversations
      from public.conversations c where c.org_id = org.id and c.last_message_at < cutoff;
    select coalesce(array_agg(l.id), '{}') into due_leads
      from public.leads l
     where l.org_id = org.id and l.created_at < cutoff
       and (org.lead_retention <> 'anonymize' or l.name is distinct from 'Anonymised');
    org_id := org.id;
    conversations := cardinality(due_conversations);
    select count(*)::int into messages from public.messages m where m.conversation_id = any (due_conversations);
    leads := case when org.lead_retention = 'keep' then 0 else cardinality(due_leads) end;
    if not p_dry_run and (conversations > 0 or leads > 0) then
      if org.lead_retention = 'delete' then
        delete from public.jobs j where j.org_id = org.id and j.payload ->> 'leadId' = any (due_leads::text[]);
        delete from public.leads l where l.id = any (due_leads);
      elsif org.lead_retention = 'anonymize' then
        perform public.anonymize_leads(due_leads);
      end if;
      delete from public.conversations c where c.id = any (due_conversations);
      insert into public.privacy_audit (org_id, action, actor_kind, subject, counts)
      values (org.id, 'retention', 'worker', jsonb_build_object('olderThanDays', org.retention_days),
              jsonb_build_object('conversations', conversations, 'messages', messages, 'leads', leads,
                                 'leadRetention', org.lead_retention));
    end if;
    return next;
  end loop;
end
$$;

-- A visitor erases their own conversation (the one their token opened): its messages, its lead and the lead's
-- queued CRM deliveries, and the erasure is logged. Security definer because visitors may delete nothing
-- directly; the conversation is the one visitor_conversation_id() finds from the request's claims, never an id
-- the caller names. Returns the counts, or null when the request is not a visitor's or holds no conversation.
create function public.erase_visitor_conversation() returns jsonb
language plpgsql security definer set search_path = public, pg_temp as $$
declare
  target uuid := public.visitor_conversation_id();
  org uuid := public.current_org_id();
  lead_ids uuid[];
  counts jsonb;
begin
  if target is null or org is null then
    return null;
  end if;
  select coalesce(array_agg(l.id), '{}') into lead_ids from public.leads l where l.conversation_id = target;
  with jobs_gone as (
    delete from public.jobs j where j.org_id = org and j.payload ->> 'leadId' = any (lead_ids::text[]) returning 1
  ), leads_gone as (
    delete from public.leads l where l.id = any (lead_ids) returning 1
  )
  select jsonb_build_object(
    'conversations', 1,
    'messages', (select count(*)::int from public.messages m where m.conversation_id = target),
    'leads', (select count(*)::int from leads_gone),
    'crmJobs', (select count(*)::int from jobs_gone)) into counts;
  delete from public.conversations c where c.id = target;
  insert into public.privacy_audit (org_id, action, actor_kind, subject, counts)
  values (org, 'erase', 'visitor', jsonb_build_object('conversationId', target), counts);
  return counts;
end
$$;

revoke execute on function public.erase_visitor_conversation() from public, anon;
grant execute on function public.erase_visitor_conversation() to authenticated, service_role;
revoke execute on function public.anonymize_leads(uuid[]) from public, anon;
revoke execute on function public.apply_retention(boolean) from public, anon;
grant execute on function public.anonymize_leads(uuid[]) to authenticated, service_role;
grant execute on function public.apply_retention(boolean) to authenticated, service_role;

-- Daily on Supabase (pg_cron is pure SQL here: no HTTP call needed); the local stack and `pnpm serve` run it
-- from their worker loop instead. pg_cron works only when the server preloads it (Supabase does); an installed
-- but not preloaded pg_cron would fail the migration, so it is left alone then.
do $$
begin
  if exists (select 1 from pg_available_extensions where name = 'pg_cron')
     and coalesce(current_setting('shared_preload_libraries', true), '') like '%pg_cron%' then
    create extension if not exists pg_cron;
    perform cron.schedule('closer-retention', '17 3 * * *', 'select count(*) from public.apply_retention(false)');
  end if;
end
$$;
