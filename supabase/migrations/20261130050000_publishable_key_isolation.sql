-- A publishable key (the widget, in public pages) reaches only its agent's chat rows: enforced here, not only in
-- handler code. The server's claims carry `kind`; for a visitor (`kind = 'publishable'`) RESTRICTIVE policies
-- narrow what each table's tenant policy admits: the agent and what it answers from (read only), the visitor's
-- own conversation (found by the SHA-256 of the visitor token in the claims), its messages and lead, the outbox
-- jobs about that lead, and rate-limit counters. Nothing else: no API keys, members, other conversations or
-- Kommo tables. Secret keys, members and the server's own work (claims without `kind` or `agent_id`) are
-- unaffected.

-- A visitor's request. Claims with an `agent_id` but no `kind` count as a visitor, and so does any kind this
-- schema does not know: a caller that gets its claims wrong gets less, never more.
create or replace function public.request_is_visitor() returns boolean
language sql stable as $$
  select coalesce(
    case when c ->> 'kind' is null then c ? 'agent_id' else c ->> 'kind' not in ('secret', 'member') end,
    false)
  from (select nullif(current_setting('request.jwt.claims', true), '')::jsonb as c) as claims
$$;

-- The publishable key's agent, for a visitor's request; null otherwise.
create or replace function public.visitor_agent_id() returns uuid
language sql stable as $$
  select case when public.request_is_visitor() then nullif(c ->> 'agent_id', '')::uuid end
  from (select nullif(current_setting('request.jwt.claims', true), '')::jsonb as c) as claims
$$;

-- The SHA-256 of the visitor token the request carries (or the one of the conversation it just started).
create or replace function public.visitor_token_hash() returns text
language sql stable as $$
  select case when public.request_is_visitor() then nullif(c ->> 'visitor_token_hash', '') end
  from (select nullif(current_setting('request.jwt.claims', true), '')::jsonb as c) as claims
$$;

-- The visitor's conversation: the agent's conversation opened by that token. Security definer, because it is
-- what decides which conversation the visitor may see.
create or replace function public.visitor_conversation_id() returns uuid
language sql stable security definer set search_path = public, pg_temp as $$
  select c.id from public.conversations c
  where c.visitor_token_hash = public.visitor_token_hash()
    and c.agent_id = public.visitor_agent_id()
    and c.org_id = public.current_org_id()
  limit 1
$$;

-- Whether the organisation's Kommo is connected, for lead capture to enqueue its sync: a visitor may not read
-- kommo_connections (tokens, webhook secret), so this answers for it and says nothing else.
create or replace function public.kommo_connected() returns boolean
language sql stable security definer set search_path = public, pg_temp as $$
  select exists (
    select 1 from public.kommo_connections k where k.org_id = public.current_org_id() and k.status = 'connected'
  )
$$;

create index if not exists conversations_visitor_token_idx on public.conversations (visitor_token_hash);

-- Adds the three visitor policies of one table (read, write, delete: SQL conditions on its rows, 'false' for
-- none). Tables added later call it too; supabase/tests/rls.test.ts checks that every table has them.
create or replace function public.restrict_visitors(
  target regclass, readable text, writable text, deletable text
) returns void language plpgsql as $$
declare
  name text := (select c.relname from pg_class c where c.oid = target);
  visitor text := '(select public.request_is_visitor())';
begin
  execute format(
    'create policy %I on %s as restrictive for select to authenticated using (not %s or (%s))',
    name || '_visitor_read', target, visitor, readable);
  execute format(
    'create policy %I on %s as restrictive for insert to authenticated with check (not %s or (%s))',
    name || '_visitor_insert', target, visitor, writable);
  execute format(
    'create policy %I on %s as restrictive for update to authenticated using (not %s or (%s)) with check (not %s or (%s))',
    name || '_visitor_update', target, visitor, writable, visitor, writable);
  execute format(
    'create policy %I on %s as restrictive for delete to authenticated using (not %s or (%s))',
    name || '_visitor_delete', target, visitor, deletable);
end
$$;
revoke all on function public.restrict_visitors(regclass, text, text, text) from public;

do $$
declare
  agent constant text := '(select public.visitor_agent_id())';
  conversation constant text := '(select public.visitor_conversation_id())';
  categories constant text := format(
    '(select l.category_id from public.agent_knowledge_categories l where l.agent_id = %s)', agent);
  rule record;
begin
  for rule in
    select * from (values
      -- What the widget never needs.
      ('organizations', 'false', 'false', 'false'),
      ('organization_members', 'false', 'false', 'false'),
      ('api_keys', 'false', 'false', 'false'),
      ('kommo_connections', 'false', 'false', 'false'),
      ('oauth_states', 'false', 'false', 'false'),
      ('webhook_events', 'false', 'false', 'false'),
      -- The agent and what it answers from: read only.
      ('agents', format('id = %s', agent), 'false', 'false'),
      ('company_knowledge', format('agent_id = %s', agent), 'false', 'false'),
      ('knowledge_chunks', format('agent_id = %s', agent), 'false', 'false'),
      ('sales_scripts', format('agent_id = %s', agent), 'false', 'false'),
      ('objection_responses', format('agent_id = %s', agent), 'false', 'false'),
      ('agent_knowledge_categories', format('agent_id = %s', agent), 'false', 'false'),
      ('knowledge_categories', format('id in %s', categories), 'false', 'false'),
      ('knowledge_articles', format('published and category_id in %s', categories), 'false', 'false'),
      -- The visitor's own conversation, its messages, its lead and the outbox jobs about that lead.
      ('conversations',
        format('agent_id = %s and visitor_token_hash = (select public.visitor_token_hash())', agent),
        format('agent_id = %s and visitor_token_hash = (select public.visitor_token_hash())', agent),
        'false'),
      ('messages', format('conversation_id = %s', conversation), format('conversation_id = %s', conversation), 'false'),
      ('leads', format('conversation_id = %s', conversation), format('conversation_id = %s', conversation), 'false'),
      ('jobs',
        format('payload ->> ''leadId'' in (select l.id::text from public.leads l where l.conversation_id = %s)', conversation),
        format('payload ->> ''leadId'' in (select l.id::text from public.leads l where l.conversation_id = %s)', conversation),
        'false'),
      -- Counters of the limits every chat request counts (and sweeps).
      ('rate_limits', 'true', 'true', 'true')
    ) as r(tbl, readable, writable, deletable)
  loop
    perform public.restrict_visitors(format('public.%I', rule.tbl)::regclass, rule.readable, rule.writable, rule.deletable);
  end loop;
end
$$;

-- The member directory reads auth.users as its owner: a visitor gets nothing from it.
create or replace function public.organization_member_directory()
returns table (user_id uuid, email text, role text, created_at timestamptz)
language sql stable security definer set search_path = public, pg_temp as $$
  select m.user_id, u.email::text, m.role, m.created_at
  from public.organization_members m
  left join auth.users u on u.id = m.user_id
  where m.org_id = public.current_org_id() and not public.request_is_visitor()
  order by m.created_at, m.user_id
$$;

grant execute on function public.request_is_visitor() to anon, authenticated, service_role;
grant execute on function public.visitor_agent_id() to anon, authenticated, service_role;
grant execute on function public.visitor_token_hash() to anon, authenticated, service_role;
grant execute on function public.visitor_conversation_id() to anon, authenticated, service_role;
grant execute on function public.kommo_connected() to authenticated, service_role;
