-- Knowledge-base sources: a source belongs to an agent or to the organisation's knowledge base. A knowledge-base
-- source names a category; what it reads becomes published articles of that category (citation = the page's URL
-- or the file's name and page), so every agent drawing on the category retrieves them. Articles a source
-- produced carry its id, a key inside it, a content hash and the last run that saw them, like agents' items.

alter table public.knowledge_sources
  alter column agent_id drop not null,
  add column category_id uuid,
  add constraint knowledge_sources_category_fk foreign key (category_id, org_id)
    references public.knowledge_categories (id, org_id) on delete cascade,
  add constraint knowledge_sources_owner_check check ((agent_id is null) <> (category_id is null));
create index knowledge_sources_category_idx on public.knowledge_sources (org_id, created_at desc, id desc)
  where category_id is not null;

alter table public.knowledge_articles
  add column source_id uuid,
  add column source_key text check (length(source_key) <= 2000),
  add column content_hash text check (length(content_hash) = 64),
  add column seen_in_run uuid,
  add column citation text check (length(citation) <= 1000),
  add constraint knowledge_articles_source_fk foreign key (source_id, org_id)
    references public.knowledge_sources (id, org_id) on delete cascade,
  add constraint knowledge_articles_source_owned_check check ((source_id is null) = (source_key is null));
create unique index knowledge_articles_source_key_idx on public.knowledge_articles (source_id, source_key)
  where source_id is not null;
create index knowledge_articles_source_hash_idx on public.knowledge_articles (source_id, content_hash)
  where source_id is not null;

-- Both tables keep their organisation policy (org_id = current_org_id()) and their grants; restated here so
-- that the grants sit beside the change.
grant select, insert, update, delete on public.knowledge_sources to authenticated, service_role;
grant select, insert, update, delete on public.knowledge_articles to authenticated, service_role;
