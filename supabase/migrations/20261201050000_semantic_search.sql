-- Semantic search: one embedding per knowledge chunk and per piece of a published article, written in the
-- background by the embedding worker (knowledge.embed jobs), found by pgvector's HNSW index under tenancy.
-- pgvector lives in the `extensions` schema, as on Supabase; plain PostgreSQL needs the extension installed
-- (.ci/run builds vendor/pgvector-0.8.6.tar.gz), PGlite loads @electric-sql/pglite-pgvector.
create schema if not exists extensions;
-- A project that enabled pgvector in another schema (often `public`) gets it moved where Supabase advises it be;
-- pgvector is relocatable, and Supabase's search_path holds `extensions`, so unqualified uses keep working.
do $$
begin
  if exists (
    select 1 from pg_extension e join pg_namespace n on n.oid = e.extnamespace
    where e.extname = 'vector' and n.nspname <> 'extensions'
  ) then
    raise notice 'moving the vector extension to the extensions schema';
    alter extension vector set schema extensions;
  end if;
end
$$;
create extension if not exists vector with schema extensions;
grant usage on schema extensions to anon, authenticated, service_role;

-- Embeddings reference their parent by (id, org_id), like every child row (see 20260101000200).
alter table public.knowledge_chunks add constraint knowledge_chunks_id_org_key unique (id, org_id);
alter table public.knowledge_articles add constraint knowledge_articles_id_org_key unique (id, org_id);

-- `model` names the embedder that wrote the vector (a change of model makes every vector stale);
-- `source_hash` is md5 of the text embedded (a changed text makes its vector stale). Vectors of any length are
-- stored; the HNSW indexes below cover the common lengths, others are searched exactly.
create table public.knowledge_chunk_embeddings (
  chunk_id uuid primary key,
  org_id uuid not null references public.organizations (id) on delete cascade,
  foreign key (chunk_id, org_id) references public.knowledge_chunks (id, org_id) on delete cascade,
  agent_id uuid not null,
  foreign key (agent_id, org_id) references public.agents (id, org_id) on delete cascade,
  model text not null check (length(model) between 1 and 200),
  dimensions integer not null check (dimensions between 1 and 16000),
  source_hash text not null check (source_hash ~ '^[0-9a-f]{32}$'),
  embedding extensions.vector not null check (extensions.vector_dims(embedding) = dimensions),
  embedded_at timestamptz not null default now()
);
create index knowledge_chunk_embeddings_agent_idx on public.knowledge_chunk_embeddings (agent_id, model);
create index knowledge_chunk_embeddings_org_idx on public.knowledge_chunk_embeddings (org_id, model);
alter table public.knowledge_chunk_embeddings enable row level security;
create policy knowledge_chunk_embeddings_tenant on public.knowledge_chunk_embeddings for all to authenticated
  using (org_id = (select public.current_org_id()))
  with check (org_id = (select public.current_org_id()));
grant select, insert, update, delete on public.knowledge_chunk_embeddings to authenticated, service_role;

create table public.knowledge_article_embeddings (
  article_id uuid not null,
  position integer not null check (position >= 0),
  primary key (article_id, position),
  org_id uuid not null references public.organizations (id) on delete cascade,
  foreign key (article_id, org_id) references public.knowledge_articles (id, org_id) on delete cascade,
  model text not null check (length(model) between 1 and 200),
  dimensions integer not null check (dimensions between 1 and 16000),
  source_hash text not null check (source_hash ~ '^[0-9a-f]{32}$'),
  embedding extensions.vector not null check (extensions.vector_dims(embedding) = dimensions),
  embedded_at timestamptz not null default now()
);
create index knowledge_article_embeddings_org_idx on public.knowledge_article_embeddings (org_id, model);
alter table public.knowledge_article_embeddings enable row level security;
create policy knowledge_article_embeddings_tenant on public.knowledge_article_embeddings for all to authenticated
  using (org_id = (select public.current_org_id()))
  with check (org_id = (select public.current_org_id()));
grant select, insert, update, delete on public.knowledge_article_embeddings to authenticated, service_role;

-- Visitors never read vectors: the chat finds passages through public.semantic_passages().
select public.restrict_visitors('public.knowledge_chunk_embeddings', 'false', 'false', 'false');
select public.restrict_visitors('public.knowledge_article_embeddings', 'false', 'false', 'false');

-- Cosine HNSW indexes, one per common vector length (gte-small and the test embedder 384, 768, 1024,
-- text-embedding-3-small 1536). A query names the same expression and length (see semantic_passages).
do $$
declare
  dims integer;
begin
  foreach dims in array array[384, 768, 1024, 1536] loop
    execute format(
      'create index %I on public.knowledge_chunk_embeddings using hnsw ((embedding::extensions.vector(%s)) extensions.vector_cosine_ops) where dimensions = %s',
      'knowledge_chunk_embeddings_hnsw_' || dims, dims, dims);
    execute format(
      'create index %I on public.knowledge_article_embeddings using hnsw ((embedding::extensions.vector(%s)) extensions.vector_cosine_ops) where dimensions = %s',
      'knowledge_article_embeddings_hnsw_' || dims, dims, dims);
  end loop;
end
$$;

-- The nearest passages to a question's embedding for one agent of the caller's organisation: its knowledge
-- chunks (`kind` 'knowledge', `id` the knowledge item's, as retrieve_passages names them) and its categories'
-- published articles (best piece per article), closest first, `distance` being the
-- cosine distance (0 same direction, 2 opposite). Security definer so that the HNSW index serves it (under RLS
-- the planner may not use it); tenancy is enforced here instead: the organisation comes from the request's
-- claims, a visitor may ask only for its own agent, and every row is filtered by organisation and agent.
create or replace function public.semantic_passages(
  p_agent_id uuid, p_model text, p_embedding extensions.vector, p_limit integer default 20
) returns table (kind text, id uuid, title text, content text, distance float8)
language plpgsql stable security definer
set search_path = public, extensions, pg_temp
set hnsw.iterative_scan = 'relaxed_order'
as $$
declare
  v_org uuid := public.current_org_id();
  v_dims integer := extensions.vector_dims(p_embedding);
  v_limit integer := least(greatest(coalesce(p_limit, 20), 1), 200);
begin
  if v_org is null or p_agent_id is null or p_model is null then
    return;
  end if;
  if public.request_is_visitor() and p_agent_id is distinct from public.visitor_agent_id() then
    return;
  end if;
  -- The length is written into the text (an integer) so that the partial HNSW index of that length applies.
  return query execute format($sql$
    with chunk_hits as materialized (
      select e.chunk_id, (e.embedding::extensions.vector(%1$s)) <=> $4::extensions.vector(%1$s) as distance
      from public.knowledge_chunk_embeddings e
      where e.org_id = $2 and e.agent_id = $1 and e.model = $3 and e.dimensions = %1$s
      order by 2 limit $5),
    article_hits as materialized (
      select e.article_id, (e.embedding::extensions.vector(%1$s)) <=> $4::extensions.vector(%1$s) as distance
      from public.knowledge_article_embeddings e
      where e.org_id = $2 and e.model = $3 and e.dimensions = %1$s
        and e.article_id in (
          select a.id from public.knowledge_articles a
          join public.agent_knowledge_categories l on l.category_id = a.category_id and l.org_id = $2
          where l.agent_id = $1 and a.org_id = $2 and a.published)
      order by 2 limit $5 * 3)
    select * from (
      select 'knowledge'::text, c.knowledge_id, k.title, c.content, h.distance::float8
      from chunk_hits h
      join public.knowledge_chunks c on c.id = h.chunk_id and c.org_id = $2 and c.agent_id = $1
      join public.company_knowledge k on k.id = c.knowledge_id and k.org_id = $2
      union all
      select 'article'::text, a.id, a.title, a.title || E'\n' || a.content, min(h.distance)::float8
      from article_hits h
      join public.knowledge_articles a on a.id = h.article_id and a.org_id = $2 and a.published
      group by a.id, a.title, a.content) found
    order by 5, 2, 4 limit $5
  $sql$, v_dims)
  using p_agent_id, v_org, p_model, p_embedding, v_limit;
end
$$;
revoke all on function public.semantic_passages(uuid, text, extensions.vector, integer) from public, anon;
grant execute on function public.semantic_passages(uuid, text, extensions.vector, integer)
  to authenticated, service_role;

-- New or changed knowledge asks the embedding worker to look at its organisation (one job each, see
-- _shared/knowledge/embeddingJobs.ts); without an embedder configured the job waits until there is one.
create or replace function public.queue_knowledge_embeddings() returns trigger
language plpgsql security definer set search_path = public, pg_temp as $$
begin
  insert into public.jobs (org_id, kind, payload, dedupe_key)
  select distinct changed.org_id, 'knowledge.embed', '{}'::jsonb, 'knowledge.embed:' || changed.org_id
  from changed
  on conflict (dedupe_key) do update set
    revision = jobs.revision + 1,
    status = case when jobs.status in ('done', 'failed') then 'pending' else jobs.status end,
    attempts = case when jobs.status in ('done', 'failed') then 0 else jobs.attempts end,
    run_after = case when jobs.status in ('done', 'failed') then now() else jobs.run_after end;
  return null;
end
$$;
revoke all on function public.queue_knowledge_embeddings() from public, anon;

-- Transition tables allow one event per trigger.
create trigger knowledge_chunks_embed_inserted after insert on public.knowledge_chunks
  referencing new table as changed for each statement execute function public.queue_knowledge_embeddings();
create trigger knowledge_chunks_embed_updated after update on public.knowledge_chunks
  referencing new table as changed for each statement execute function public.queue_knowledge_embeddings();
create trigger knowledge_articles_embed_inserted after insert on public.knowledge_articles
  referencing new table as changed for each statement execute function public.queue_knowledge_embeddings();
create trigger knowledge_articles_embed_updated after update on public.knowledge_articles
  referencing new table as changed for each statement execute function public.queue_knowledge_embeddings();

-- Knowledge written before this migration.
insert into public.jobs (org_id, kind, payload, dedupe_key)
select o.id, 'knowledge.embed', '{}'::jsonb, 'knowledge.embed:' || o.id
from public.organizations o
where exists (select 1 from public.knowledge_chunks c where c.org_id = o.id)
   or exists (select 1 from public.knowledge_articles a where a.org_id = o.id and a.published)
on conflict (dedupe_key) do nothing;
