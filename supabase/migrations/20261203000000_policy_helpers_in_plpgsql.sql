-- The helpers that row-level security and the chat turn call on every statement, in PL/pgSQL: same answers,
-- same privileges. PostgreSQL inlines a SQL function only when it has no SECURITY DEFINER, no SET and no FROM;
-- every other SQL function is parsed and planned again each time a statement calls it, which under load was
-- the largest share of the database's CPU (a profile of 500 concurrent chat turns: 42 % in fmgr_sql, most of it
-- parsing and planning current_org_id() for the tenant policies). PL/pgSQL keeps each statement's plan for the
-- connection's life. Bodies are unchanged but for the RETURN around them and one rule: every helper a query
-- compares a column with, and every claim cast to uuid, is evaluated before the query, into a variable. The SQL
-- versions were planned on each call, and PostgreSQL 15's planner evaluates such stable expressions for its row
-- estimates: a claim that is not a uuid (an empty `sub` included) failed the call with 22P02 even where the
-- query never needed it. A cached plan evaluates them only if a row reaches them, which turned some of those
-- failures into answers (an empty `sub` into a key's access). supabase/tests/policyHelpers.test.ts compares
-- every answer before and after this migration.

-- A key's claims (no `sub`) answer without a query, in PL/pgSQL's fast path for simple expressions; a member's
-- are checked against organization_members. Both claims are cast even when unused, as before (see above).
create or replace function public.current_org_id() returns uuid
language plpgsql stable security definer set search_path = public, pg_temp as $$
declare
  claims jsonb := nullif(current_setting('request.jwt.claims', true), '')::jsonb;
  org uuid := (claims ->> 'org_id')::uuid;
  member uuid := (claims ->> 'sub')::uuid;
begin
  if org is null then
    return null;
  end if;
  if member is null then
    return org;
  end if;
  if exists (select 1 from public.organization_members m where m.org_id = org and m.user_id = member) then
    return org;
  end if;
  return null;
end;
$$;

create or replace function public.request_is_visitor() returns boolean
language plpgsql stable as $$
declare
  c jsonb := nullif(current_setting('request.jwt.claims', true), '')::jsonb;
begin
  return coalesce(
    case when c ->> 'kind' is null then c ? 'agent_id' else c ->> 'kind' not in ('secret', 'member') end,
    false);
end;
$$;

create or replace function public.visitor_agent_id() returns uuid
language plpgsql stable as $$
declare
  c jsonb := nullif(current_setting('request.jwt.claims', true), '')::jsonb;
begin
  return case when public.request_is_visitor() then nullif(c ->> 'agent_id', '')::uuid end;
end;
$$;

create or replace function public.visitor_token_hash() returns text
language plpgsql stable as $$
declare
  c jsonb := nullif(current_setting('request.jwt.claims', true), '')::jsonb;
begin
  return case when public.request_is_visitor() then nullif(c ->> 'visitor_token_hash', '') end;
end;
$$;

create or replace function public.visitor_conversation_id() returns uuid
language plpgsql stable security definer set search_path = public, pg_temp as $$
declare
  v_token text := public.visitor_token_hash();
  v_agent uuid := public.visitor_agent_id();
  v_org uuid := public.current_org_id();
begin
  return (
    select c.id from public.conversations c
    where c.visitor_token_hash = v_token and c.agent_id = v_agent and c.org_id = v_org
    limit 1);
end;
$$;

create or replace function public.kommo_connected() returns boolean
language plpgsql stable security definer set search_path = public, pg_temp as $$
declare
  v_org uuid := public.current_org_id();
begin
  return exists (select 1 from public.kommo_connections k where k.org_id = v_org and k.status = 'connected');
end;
$$;

create or replace function public.current_member_role() returns text
language plpgsql stable security definer set search_path = public, pg_temp as $$
declare
  v_org uuid := public.current_org_id();
  v_user uuid := nullif(nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub', '')::uuid;
begin
  return (select m.role from public.organization_members m where m.org_id = v_org and m.user_id = v_user);
end;
$$;

create or replace function public.may_manage_members() returns boolean
language plpgsql stable as $$
begin
  return coalesce(
    (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'kind') is null
      and not public.request_is_visitor(),
    false)
  or coalesce(public.current_member_role() = 'owner', false);
end;
$$;

create or replace function public.chat_booking_connection()
returns table (id uuid, provider text, api_key_enc text, event_type_id bigint, event_type_title text,
  length_in_minutes integer, api_url text, booker_url text)
language plpgsql stable security definer set search_path = public, pg_temp as $$
#variable_conflict use_column
declare
  v_org uuid := public.current_org_id();
begin
  return query
    select b.id, b.provider, b.api_key_enc, b.event_type_id, b.event_type_title, b.length_in_minutes, b.api_url,
      b.booker_url
    from public.booking_connections b where b.org_id = v_org;
end;
$$;

create or replace function public.organization_member_directory()
returns table (user_id uuid, email text, role text, created_at timestamptz)
language plpgsql stable security definer set search_path = public, pg_temp as $$
#variable_conflict use_column
declare
  v_org uuid := public.current_org_id();
  v_visitor boolean := public.request_is_visitor();
begin
  return query
    select m.user_id, u.email::text, m.role, m.created_at
    from public.organization_members m
    left join auth.users u on u.id = m.user_id
    where m.org_id = v_org and not v_visitor
    order by m.created_at, m.user_id;
end;
$$;

create or replace function public.billing_plan() returns text
language plpgsql stable security definer set search_path = '' as $$
declare
  v_org uuid := public.current_org_id();
begin
  return coalesce((
    select a.plan_id from public.billing_accounts a
    where a.org_id = v_org and (
      a.subscription_status in ('active', 'trialing')
      or (a.subscription_status in ('past_due', 'unpaid', 'incomplete') and a.grace_until > now())
    )), 'free');
end;
$$;

create or replace function public.billing_period_start() returns timestamptz
language plpgsql stable security definer set search_path = '' as $$
declare
  v_org uuid := public.current_org_id();
begin
  return coalesce((
    select a.current_period_start from public.billing_accounts a
    where a.org_id = v_org and a.current_period_start <= now() and a.current_period_end > now()
  ), date_trunc('month', now(), 'UTC'));
end;
$$;

create or replace function public.billing_knowledge_bytes() returns bigint
language plpgsql stable security definer set search_path = '' as $$
declare
  v_org uuid := public.current_org_id();
begin
  return coalesce((select sum(octet_length(k.title) + octet_length(k.content))
                   from public.company_knowledge k where k.org_id = v_org), 0)
       + coalesce((select sum(octet_length(a.title) + octet_length(a.content))
                   from public.knowledge_articles a where a.org_id = v_org), 0);
end;
$$;

create or replace function public.fts_config_all_words(language text) returns regconfig
language plpgsql immutable parallel safe set search_path = '' as $$
begin
  return case split_part(coalesce(language, ''), '-', 1)
    when 'en' then 'public.english_all_words'::regconfig
    when 'ru' then 'public.russian_all_words'::regconfig
    when 'es' then 'public.spanish_all_words'::regconfig
    when 'pt' then 'public.portuguese_all_words'::regconfig
    when 'de' then 'public.german_all_words'::regconfig
    when 'fr' then 'public.french_all_words'::regconfig
    when 'it' then 'public.italian_all_words'::regconfig
    when 'nl' then 'public.dutch_all_words'::regconfig
    when 'tr' then 'public.turkish_all_words'::regconfig
    else 'pg_catalog.simple'::regconfig
  end;
end;
$$;

create or replace function public.meaning_lexemes(language text, phrase text) returns integer
language plpgsql immutable parallel safe set search_path = '' as $$
begin
  return coalesce(cardinality(pg_catalog.tsvector_to_array(
    pg_catalog.to_tsvector(public.fts_config(language), coalesce(phrase, '')))), 0);
end;
$$;

create or replace function public.objection_cue_query(language text, cue text, is_objection boolean) returns tsquery
language plpgsql immutable parallel safe set search_path = '' as $$
declare
  meaning integer;
begin
  if is_objection then
    return pg_catalog.plainto_tsquery(public.fts_config_all_words(language), cue);
  end if;
  meaning := public.meaning_lexemes(language, cue);
  if meaning = 0 then
    return ''::pg_catalog.tsquery;
  end if;
  if meaning >= 2 or meaning = cardinality(pg_catalog.tsvector_to_array(
      pg_catalog.to_tsvector(public.fts_config_all_words(language), cue))) then
    return pg_catalog.phraseto_tsquery(public.fts_config(language), cue);
  end if;
  return pg_catalog.phraseto_tsquery(public.fts_config_all_words(language), cue);
end;
$$;

create or replace function public.question_lexemes(language text, question text) returns text[]
language plpgsql immutable parallel safe set search_path = '' as $$
begin
  return (
    select coalesce(array_agg(lexeme order by lexeme), '{}')
    from unnest(pg_catalog.tsvector_to_array(pg_catalog.to_tsvector(public.fts_config(language), question))) lexeme);
end;
$$;

create or replace function public.unmeter_reply(p_period timestamptz) returns void
language plpgsql security definer set search_path = '' as $$
declare
  v_org uuid := public.current_org_id();
begin
  update public.billing_usage set quantity = greatest(quantity - 1, 0), updated_at = now()
  where org_id = v_org and metric = 'messages' and period_start = p_period;
end;
$$;
