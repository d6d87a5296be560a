-- Lexical retrieval the planner serves from indexes, with tenancy still enforced by the database.
--
-- Under a tenant's role, row-level security keeps non-leakproof operators (`@@`, `%`) from becoming index
-- conditions, so a tenant's query scanned every chunk of its agent. Retrieval now runs in one security-definer
-- function, `retrieve_passages`, whose organisation and agent come from the request's verified claims
-- (`current_org_id()`, and for a publishable key `visitor_agent_id()`), never from what a caller may choose; its
-- plans use the GIN indexes. Misspelt words are matched with trigrams against a small vocabulary (the distinct
-- words of an agent's knowledge and of each knowledge-base category's published articles, titles included,
-- kept by triggers) instead of against whole chunks.

-- Trigrams of whole chunks served only the old `word_similarity` fallback (which no index can serve anyway):
-- the vocabulary below replaces it, and every chunk written no longer pays for it.
drop index if exists public.knowledge_chunks_trgm_idx;

-- The vocabulary: each distinct word of a scope's passages (`simple` parse: lower case, unstemmed), its lexeme in
-- the passage's language (stop words have none and are not kept), and in how many passages it appears (the
-- document frequency: common lexemes are not used to find candidates, see retrieve_passages).
create table public.knowledge_terms (
  org_id uuid not null references public.organizations (id) on delete cascade,
  -- The agent (its own knowledge chunks) or the knowledge-base category (its published articles).
  scope_id uuid not null,
  word text not null,
  lexeme text not null,
  passages integer not null check (passages > 0),
  primary key (scope_id, word)
);
create index knowledge_terms_word_trgm_idx on public.knowledge_terms using gin (word gin_trgm_ops);
create index knowledge_terms_lexeme_idx on public.knowledge_terms (scope_id, lexeme);
create index knowledge_terms_org_idx on public.knowledge_terms (org_id);
alter table public.knowledge_terms enable row level security;
-- The scope is checked too: retrieval reads the vocabulary by scope alone (as its owner), so a row of one
-- organisation must never name another's agent or category.
create policy knowledge_terms_tenant on public.knowledge_terms for all to authenticated
  using (org_id = (select public.current_org_id()))
  with check (
    org_id = (select public.current_org_id())
    and scope_id in (
      select a.id from public.agents a where a.org_id = (select public.current_org_id())
      union all
      select k.id from public.knowledge_categories k where k.org_id = (select public.current_org_id())
    )
  );
grant select, insert, update, delete on public.knowledge_terms to authenticated, service_role;
select public.restrict_visitors('public.knowledge_terms', format(
  'scope_id = %1$s or scope_id in (select l.category_id from public.agent_knowledge_categories l where l.agent_id = %1$s)',
  '(select public.visitor_agent_id())'), 'false', 'false');

-- Small helpers below name only built-in functions and carry no `search_path` setting, so that they are inlined.

-- The words of a text that the vocabulary keeps: `simple` tokens without digits or URL/e-mail punctuation.
create or replace function public.vocabulary_words(content text) returns setof text
language sql immutable parallel safe as $$
  select w from unnest(tsvector_to_array(to_tsvector('simple', content))) w
  where length(w) between 2 and 40 and w !~ '[0-9_./@:]'
$$;

-- The lexeme a single word stems to in `config`; null for a stop word.
create or replace function public.word_lexeme(config regconfig, word text) returns text
language sql immutable parallel safe as $$
  select (tsvector_to_array(to_tsvector(config, word)))[1]
$$;

-- A passage's text in a vocabulary scope: what the vocabulary triggers hand to count_terms.
create type public.scoped_text as (org_id uuid, scope_id uuid, language text, content text);

-- Adds (sign 1) or removes (sign -1) passages' words. Words are written in order, so concurrent writers lock
-- the vocabulary's rows in the same order.
-- Not a security definer: the triggers below are, and it runs with their rights; called directly, it runs with
-- the caller's, under row-level security.
create or replace function public.count_terms(passages public.scoped_text[], sign integer) returns void
language plpgsql set search_path = public, pg_temp as $$
begin
  if cardinality(passages) is null then return; end if;
  if sign > 0 then
    insert into public.knowledge_terms as t (org_id, scope_id, word, lexeme, passages)
    select s.org_id, s.scope_id, s.word, s.lexeme, s.n
    from (
      select g.*, public.word_lexeme(public.fts_config(g.language), g.word) as lexeme
      from (
        select p.org_id, p.scope_id, w.word, min(p.language) as language, count(*)::int as n
        from unnest(passages) p, public.vocabulary_words(p.content) as w(word)
        group by p.org_id, p.scope_id, w.word
      ) g
    ) s
    where s.lexeme is not null
    order by s.scope_id, s.word
    -- The lexeme too: a language change re-writes every chunk, and the new language stems differently.
    on conflict (scope_id, word) do update set passages = t.passages + excluded.passages, lexeme = excluded.lexeme;
  else
    with gone as (
      select p.scope_id, w.word, count(*)::int as n
      from unnest(passages) p, public.vocabulary_words(p.content) as w(word)
      group by p.scope_id, w.word
    ), emptied as (
      delete from public.knowledge_terms t using gone g
      where t.scope_id = g.scope_id and t.word = g.word and t.passages <= g.n
    )
    update public.knowledge_terms t set passages = t.passages - g.n
    from gone g where t.scope_id = g.scope_id and t.word = g.word and t.passages > g.n;
  end if;
end
$$;

-- Statement-level triggers: one vocabulary write per statement, however many rows. A trigger names its
-- transition table `added` (sign 1) or `removed` (sign -1), passed as its argument.
create or replace function public.knowledge_chunks_count_terms() returns trigger
language plpgsql security definer set search_path = public, pg_temp as $$
begin
  if tg_argv[0] = 'added' then
    perform public.count_terms(array(
      select row(c.org_id, c.agent_id, c.language, c.content)::public.scoped_text from added c), 1);
  else
    perform public.count_terms(array(
      select row(c.org_id, c.agent_id, c.language, c.content)::public.scoped_text from removed c), -1);
  end if;
  return null;
end
$$;
create trigger knowledge_chunks_terms_insert after insert on public.knowledge_chunks
  referencing new table as added for each statement execute function public.knowledge_chunks_count_terms('added');
create trigger knowledge_chunks_terms_delete after delete on public.knowledge_chunks
  referencing old table as removed for each statement execute function public.knowledge_chunks_count_terms('removed');
create trigger knowledge_chunks_terms_update_old after update on public.knowledge_chunks
  referencing old table as removed for each statement execute function public.knowledge_chunks_count_terms('removed');
create trigger knowledge_chunks_terms_update_new after update on public.knowledge_chunks
  referencing new table as added for each statement execute function public.knowledge_chunks_count_terms('added');

-- Articles count in their category's vocabulary while published, title included (as in their `fts`).
create or replace function public.knowledge_articles_count_terms() returns trigger
language plpgsql security definer set search_path = public, pg_temp as $$
begin
  if tg_argv[0] = 'added' then
    perform public.count_terms(array(
      select row(a.org_id, a.category_id, a.language, a.title || ' ' || a.content)::public.scoped_text
      from added a where a.published), 1);
  else
    perform public.count_terms(array(
      select row(a.org_id, a.category_id, a.language, a.title || ' ' || a.content)::public.scoped_text
      from removed a where a.published), -1);
  end if;
  return null;
end
$$;
create trigger knowledge_articles_terms_insert after insert on public.knowledge_articles
  referencing new table as added for each statement execute function public.knowledge_articles_count_terms('added');
create trigger knowledge_articles_terms_delete after delete on public.knowledge_articles
  referencing old table as removed for each statement execute function public.knowledge_articles_count_terms('removed');
create trigger knowledge_articles_terms_update_old after update on public.knowledge_articles
  referencing old table as removed for each statement execute function public.knowledge_articles_count_terms('removed');
create trigger knowledge_articles_terms_update_new after update on public.knowledge_articles
  referencing new table as added for each statement execute function public.knowledge_articles_count_terms('added');

-- What is already there.
select public.count_terms(array(
  select row(c.org_id, c.agent_id, c.language, c.content)::public.scoped_text from public.knowledge_chunks c), 1);
select public.count_terms(array(
  select row(a.org_id, a.category_id, a.language, a.title || ' ' || a.content)::public.scoped_text
  from public.knowledge_articles a where a.published), 1);

-- Lexemes combined as alternatives; null for none.
create or replace function public.any_lexeme(lexemes text[]) returns tsquery
language sql immutable parallel safe as $$
  select nullif(array_to_string(array(select distinct quote_literal(l) from unnest(lexemes) l order by 1), ' | '), '')::tsquery
$$;

-- The lexemes to search for a text. A word whose lexeme (in `config`) the scopes' vocabulary holds is searched as
-- itself; a word of 4+ letters that it does not hold, by the lexeme of its nearest vocabulary word by trigram
-- similarity (`%`, served by the vocabulary's trigram index, never by a scan of passages); other words are
-- dropped, as they would find nothing. Tokens with digits ("7", "5p") are kept as they are (not in the vocabulary).
create or replace function public.search_lexemes(scopes uuid[], config regconfig, content text) returns text[]
language plpgsql stable set search_path = public, extensions, pg_temp as $$
declare
  known text[];
  unknown text[];
  nearest text[] := '{}';
  numbers text[] := array(select l from unnest(tsvector_to_array(to_tsvector(config, content))) l where l ~ '[0-9]');
begin
  -- One statement for every word (`limit 1`: a probe of the (scope, lexeme) index per word, not a hash of the
  -- scopes' whole vocabulary).
  select coalesce(array_agg(w.own) filter (where w.known), '{}'),
         coalesce(array_agg(w.word) filter (where not w.known and length(w.word) >= 4), '{}')
  into known, unknown
  from (
    select v.word, v.own, (
      select true from public.knowledge_terms t where t.scope_id = any(scopes) and t.lexeme = v.own limit 1
    ) is not null as known
    from (select x.word, public.word_lexeme(config, x.word) as own from public.vocabulary_words(content) x(word)) v
    where v.own is not null
  ) w;
  if cardinality(unknown) > 0 then
    -- Planned with the words at hand (EXECUTE), and `is true` keeps the scope a filter: the trigram index finds
    -- the few similar words rather than the scopes' whole vocabulary being tested one by one.
    execute 'select coalesce(array_agg(n.lexeme), ''{}'') from unnest($1) u(word), lateral (
        select t.lexeme from public.knowledge_terms t
        where t.word % u.word and (t.scope_id = any($2)) is true
        order by similarity(t.word, u.word) desc, t.word limit 1) n'
      into nearest using unknown, scopes;
  end if;
  return array(select distinct l from unnest(known || nearest || numbers) l);
end
$$;

-- The first `n` of the agent's chunks matching `query`, read in the agent's index order and stopping there: for
-- common lexemes, which match early. `is true` keeps the full-text and organisation tests filters, and without
-- bitmap scans the index is walked (a bitmap would first list all the agent's chunks).
create or replace function public.agent_chunks_matching(org uuid, agent uuid, query tsquery, n integer)
returns setof uuid
language plpgsql stable set search_path = public, pg_temp set enable_seqscan = off set enable_bitmapscan = off
set jit = off as $$
begin
  return query select c.id from public.knowledge_chunks c
    where (c.fts @@ query) is true and c.agent_id = agent and (c.org_id = org) is true limit n;
end
$$;

-- At most `n` of the agent's chunks holding any of `lexemes`, found through an index. Lexemes held by more than
-- `common` of the agent's chunks would make a large share of them candidates (the full-text index would list them
-- all before any limit applies): the rare ones find the candidates; when every lexeme is common, the agent's
-- chunks are read in index order until `n` match, which stops early precisely because they are common.
create or replace function public.chunk_candidates(
  org uuid, agent uuid, lexemes text[], n integer, common integer default 2000
) returns setof uuid
-- Its plans are generic (the tsquery is a parameter), and the planner could expect a table scan to meet `n`
-- matches soon enough: at a million chunks it does not, so the table is never scanned here.
language plpgsql stable set search_path = public, pg_temp set enable_seqscan = off set jit = off as $$
declare
  rare tsquery := public.any_lexeme(array(
    select l from unnest(lexemes) l
    where coalesce((select max(t.passages) from public.knowledge_terms t where t.scope_id = agent and t.lexeme = l), 0)
      <= common));
  every tsquery := public.any_lexeme(lexemes);
begin
  if every is null then return; end if;
  if rare is not null then
    -- `is true`: the tenant tests stay filters, so the full-text index alone lists the few chunks to read.
    return query select c.id from public.knowledge_chunks c
      where c.fts @@ rare and (c.agent_id = agent and c.org_id = org) is true limit n;
  else
    return query select public.agent_chunks_matching(org, agent, every, n);
  end if;
end
$$;

-- The passages retrieval offers for a visitor's latest message and, ranked after them, for their previous one
-- (`context`): the agent's knowledge chunks and the published articles of the knowledge-base categories it draws
-- on. Tenancy comes from the request's claims: the organisation is current_org_id(), and a publishable key's
-- request gets nothing for any agent but its own. Security definer so that the full-text and trigram indexes
-- serve the plan (see the header); every statement filters by that organisation and agent.
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
  context_lexemes := public.search_lexemes(scopes, config, coalesce(context, ''));
  latest_query := public.any_lexeme(latest_lexemes);
  any_query := public.any_lexeme(latest_lexemes || context_lexemes);
  if any_query is null then return; end if;
  -- An array, not a join: the candidates are then read by primary key, a few rows each.
  chunk_ids := array(
    select public.chunk_candidates(org, agent, latest_lexemes, candidates)
    union
    select public.chunk_candidates(org, agent, context_lexemes, candidates));
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

-- Privileges spelled out (anon reaches nothing). Only retrieve_passages runs with its owner's rights; the others,
-- called directly, run with the caller's, under row-level security.
do $$
declare
  fn text;
begin
  foreach fn in array array[
    'public.vocabulary_words(text)', 'public.word_lexeme(regconfig, text)', 'public.any_lexeme(text[])',
    'public.count_terms(public.scoped_text[], integer)', 'public.knowledge_chunks_count_terms()',
    'public.knowledge_articles_count_terms()', 'public.search_lexemes(uuid[], regconfig, text)',
    'public.chunk_candidates(uuid, uuid, text[], integer, integer)',
    'public.agent_chunks_matching(uuid, uuid, tsquery, integer)',
    'public.retrieve_passages(uuid, text, text, integer)'
  ] loop
    execute format('revoke all on function %s from public', fn);
    execute format('grant execute on function %s to authenticated, service_role', fn);
  end loop;
end
$$;
