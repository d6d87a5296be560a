-- The per-minute chat limits counted in one statement that fails when a bucket has no room, as count_usage does
-- for the spend ceilings (migration 20261130100000): a turn's count can then be written together with its COMMIT,
-- and the hot address row is locked only while the server runs them, not while an answer travels back.
-- A bucket is judged by the sliding minute (chat/rateLimit.ts): this window's hits, and the previous window's
-- weighted by the share of it the last 60 s still cover. Runs as the caller (RLS applies); rows are locked in
-- bucket order, so two turns cannot deadlock on them.
-- Full: SQLSTATE CL429, message "<1-based index of the first full bucket>:<its hits before this one>:<the previous
-- window's hits>:<seconds gone in this window>" (rateLimit.ts works out Retry-After from it). The statement's
-- effects are undone with it, and its transaction with them, so a refused turn counts nowhere.
create function public.count_hits(
  p_org uuid,
  p_buckets text[],
  p_limits integer[]
) returns table (counted_bucket text, counted_hits integer)
language plpgsql
set search_path = ''
as $$
#variable_conflict use_column
declare
  counted record;
  i integer;
  full_index integer;
  full_counts text;
begin
  for counted in
    with hit as (
      insert into public.rate_limits as r (org_id, bucket, window_start, hits)
      select p_org, b.bucket, date_trunc('minute', now()), 1
      from unnest(p_buckets) as b (bucket)
      order by b.bucket
      on conflict (bucket, window_start) do update set hits = r.hits + 1
      returning r.bucket, r.hits
    )
    select h.bucket, h.hits, coalesce(p.hits, 0) as previous_hits,
      extract(epoch from now() - date_trunc('minute', now()))::float8 as elapsed_s
    from hit h
    left join public.rate_limits p
      on p.bucket = h.bucket and p.window_start = date_trunc('minute', now()) - interval '1 minute'
  loop
    i := array_position(p_buckets, counted.bucket);
    if counted.previous_hits * greatest(0, 1 - counted.elapsed_s / 60) + (counted.hits - 1) + 1 > p_limits[i]
      and (full_index is null or i < full_index) then
      full_index := i;
      full_counts := (counted.hits - 1) || ':' || counted.previous_hits || ':' || counted.elapsed_s;
    end if;
    counted_bucket := counted.bucket;
    counted_hits := counted.hits;
    return next;
  end loop;
  if full_index is not null then
    raise exception using errcode = 'CL429', message = full_index || ':' || full_counts;
  end if;
end;
$$;
revoke execute on function public.count_hits(uuid, text[], integer[]) from public, anon;
grant execute on function public.count_hits(uuid, text[], integer[]) to authenticated, service_role;
