-- Objection answers are matched by phrase and stem, not by a substring of a keyword ("sell" inside "Do you sell
-- batteries?" no longer opens the "I might sell my house" answer). Each objection has cues: its keywords (short
-- phrases) and the objection itself. A cue matches when the visitor's message holds its words by stem:
--   * a keyword with two or more words of meaning: those words as a phrase (common words between them are gaps,
--     so "sell my house" matches "selling the house"), common words not required;
--   * a keyword that is one word of meaning and nothing else ("expensive"): that word;
--   * a keyword whose meaning hangs on common words ("сделаю сам", "too much"): every word, in order;
--   * the objection itself ("I need to talk to my spouse"): every one of its words, in any order.
-- A cue made only of common words matches nothing. Stems come from the agent's language; common words are
-- kept by the `*_all_words` configurations below (the same Snowball stemmers without the stop-word lists).

do $$
declare
  language text;
begin
  foreach language in array array['english', 'russian', 'spanish', 'portuguese', 'german', 'french', 'italian',
    'dutch', 'turkish']
  loop
    execute format('create text search dictionary public.%I (template = snowball, language = %s)',
      language || '_all_words', language);
    execute format('create text search configuration public.%I (copy = pg_catalog.%I)',
      language || '_all_words', language);
    execute format('alter text search configuration public.%I alter mapping replace %I with public.%I',
      language || '_all_words', language || '_stem', language || '_all_words');
  end loop;
end
$$;

-- fts_config's twin that keeps common words: the same stems, stop words included ('simple' elsewhere).
create function public.fts_config_all_words(language text) returns regconfig
language sql immutable parallel safe set search_path = '' as $$
  select case split_part(coalesce(language, ''), '-', 1)
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
  end
$$;

-- How many distinct words of meaning a text carries in a language (its lexemes once common words are dropped).
create function public.meaning_lexemes(language text, phrase text) returns integer
language sql immutable parallel safe set search_path = '' as $$
  select coalesce(cardinality(pg_catalog.tsvector_to_array(
    pg_catalog.to_tsvector(public.fts_config(language), coalesce(phrase, '')))), 0)
$$;

-- The query one cue stands for, to be tested against to_tsvector(fts_config_all_words(language), message).
-- Empty (numnode = 0) when the cue has no words at all.
create function public.objection_cue_query(language text, cue text, is_objection boolean) returns tsquery
language sql immutable parallel safe set search_path = '' as $$
  select case
    when is_objection then pg_catalog.plainto_tsquery(public.fts_config_all_words(language), cue)
    when public.meaning_lexemes(language, cue) = 0 then ''::pg_catalog.tsquery
    when public.meaning_lexemes(language, cue) >= 2
      or public.meaning_lexemes(language, cue) = cardinality(pg_catalog.tsvector_to_array(
        pg_catalog.to_tsvector(public.fts_config_all_words(language), cue)))
      then pg_catalog.phraseto_tsquery(public.fts_config(language), cue)
    else pg_catalog.phraseto_tsquery(public.fts_config_all_words(language), cue)
  end
$$;

grant execute on function public.fts_config_all_words(text), public.meaning_lexemes(text, text),
  public.objection_cue_query(text, text, boolean) to authenticated, service_role;

-- Each objection's cues kept ready (computed on write, in its agent's language), so matching a message parses
-- only the message: `cue_queries[i]` is cue i's query (the objection itself first, then each keyword),
-- `cue_lexemes[i]` its words of meaning, `meaning` all the objection's words of meaning (how specific a word is
-- to one objection is counted over these).
alter table public.objection_responses
  add column cue_queries tsquery[] not null default '{}',
  add column cue_lexemes tsvector[] not null default '{}',
  add column meaning tsvector not null default ''::tsvector;

create function public.objection_cues_refresh() returns trigger
language plpgsql set search_path = '' as $$
declare
  agent_language text;
begin
  select a.language into agent_language from public.agents a where a.id = new.agent_id;
  select coalesce(array_agg(public.objection_cue_query(agent_language, c.text, c.n = 0) order by c.n), '{}'),
    coalesce(array_agg(pg_catalog.to_tsvector(public.fts_config(agent_language), c.text) order by c.n), '{}')
  into new.cue_queries, new.cue_lexemes
  from (
    select new.objection as text, 0::bigint as n
    union all select k.text, k.n from unnest(new.keywords) with ordinality as k(text, n)
  ) c;
  new.meaning := pg_catalog.to_tsvector(public.fts_config(agent_language),
    new.objection || ' ' || pg_catalog.array_to_string(new.keywords, ' '));
  return new;
end
$$;
create trigger objection_responses_cues before insert or update of objection, keywords, agent_id
  on public.objection_responses for each row execute function public.objection_cues_refresh();

-- An agent that changes language has its objections' cues made again in the new one.
create function public.agent_objection_cues_refresh() returns trigger
language plpgsql set search_path = '' as $$
begin
  update public.objection_responses set keywords = keywords where agent_id = new.id;
  return null;
end
$$;
create trigger agents_objection_cues after update of language on public.agents
  for each row when (old.language is distinct from new.language)
  execute function public.agent_objection_cues_refresh();

update public.objection_responses set keywords = keywords;
