-- Less work for PostgreSQL in every chat turn (issue 11, kind 9; measured with `pnpm bench:statements`, numbers in
-- docs/benchmarks.md, "Ninth pass"). Same answers as before (supabase/tests/retrieval/*).
--
-- retrieve_passages: the previous message's lexemes are not looked up when there is no previous message (a
-- conversation's first turn), and no candidates are listed for an empty set of lexemes.
create or replace function public.retrieve_passages(
  agent uuid, latest text, context text default '', max_passages integer default 6
) returns table (kind text, id uuid, title text, content text, score double precision, on_latest boolean)
language plpgsql stable security definer set search_path = public, extensions, pg_temp set jit = off as $$
#variable_conflict use_column
declare
  org uuid := public.current_org_id();
  config regconfig;
  scopes uuid[];
  latest_lexemes text[];
  context_lexemes text[];
  latest_query tsquery;
  any_query tsquery;
  candidates constant integer := 100;
  chunk_ids uuid[];
begin
  if org is null or (public.request_is_visitor() and agent is distinct from public.visitor_agent_id()) then
    return;
  end if;
  config := (select public.fts_config(a.language) from public.agents a where a.id = agent and a.org_id = org);
  if config is null then return; end if;
  scopes := agent || array(select l.category_id from public.agent_knowledge_categories l
    where l.agent_id = agent and l.org_id = org);
  latest_lexemes := public.search_lexemes(scopes, config, coalesce(latest, ''));
  -- A conversation's first message has no previous one: nothing to look up for it.
  context_lexemes := case when coalesce(context, '') = '' then '{}'::text[]
    else public.search_lexemes(scopes, config, context) end;
  latest_query := public.any_lexeme(latest_lexemes);
  any_query := public.any_lexeme(latest_lexemes || context_lexemes);
  if any_query is null then return; end if;
  -- An array, not a join: the candidates are then read by primary key, a few rows each.
  chunk_ids := array(
    select public.chunk_candidates(org, agent, latest_lexemes, candidates)
    union
    select public.chunk_candidates(org, agent, context_lexemes, candidates) where cardinality(context_lexemes) > 0);
  return query
  with found as (
    select 'knowledge'::text as kind, c.knowledge_id as id, null::text as title, c.content, c.fts
    from public.knowledge_chunks c where c.id = any(chunk_ids) and c.org_id = org
    union all
    (select 'article', a.id, a.title, a.title || E'\n' || a.content, a.fts
     from public.knowledge_articles a
     where a.fts @@ any_query and a.category_id = any(scopes[2:]) and a.published and a.org_id = org
     limit candidates)
  ), ranked as (
    select f.kind, f.id, f.title, f.content,
      (case when latest_query is null then 0 else 2 * ts_rank_cd(f.fts, latest_query) end
        + ts_rank_cd(f.fts, any_query))::float8 as score,
      coalesce(f.fts @@ latest_query, false) as on_latest
    from found f
    order by on_latest desc, score desc, f.id
    limit max_passages
  )
  select r.kind, r.id, coalesce(r.title, k.title), r.content, r.score, r.on_latest
  from ranked r left join public.company_knowledge k on r.kind = 'knowledge' and k.id = r.id and k.org_id = org
  order by r.on_latest desc, r.score desc, r.id;
end
$$;
