-- Spend ceilings and lead limits counted in one statement that fails when a window is full, so the counting
-- transaction can be sent whole (BEGIN … COMMIT in one write) and the hot agent and organisation rows are
-- locked only while the server runs it, not while the answer travels to the function and back.
-- Runs as the caller (RLS applies). Rows are locked in bucket order, as every other writer of them does.
-- Full: SQLSTATE CL429, message "<1-based index of the first full ceiling>:<seconds until its window ends>";
-- the statement's effects are undone with it, so a refused request counts nowhere.
create function public.count_usage(
  p_org uuid,
  p_buckets text[],
  p_units text[],
  p_max_hits bigint[],
  p_max_tokens bigint[]
) returns table (counted_window text, window_epoch float8)
language plpgsql
set search_path = ''
as $$
#variable_conflict use_column
declare
  counted record;
  i integer;
  full_index integer;
  full_wait integer;
begin
  for counted in
    insert into public.usage_counters as u (org_id, bucket, window_start, window_end, hits)
    select p_org, w.bucket, date_trunc(w.unit, now(), 'UTC'),
      date_trunc(w.unit, now(), 'UTC') + ('1 ' || w.unit)::interval, 1
    from unnest(p_buckets, p_units) as w(bucket, unit)
    order by w.bucket
    on conflict (bucket, window_start) do update set hits = u.hits + 1
    returning u.bucket as counted_bucket, extract(epoch from u.window_start)::float8 as counted_start, u.hits,
      u.tokens, ceil(extract(epoch from u.window_end - now()))::int as retry_after
  loop
    i := array_position(p_buckets, counted.counted_bucket);
    if (counted.hits > p_max_hits[i] or (p_max_tokens[i] is not null and counted.tokens >= p_max_tokens[i]))
      and (full_index is null or i < full_index) then
      full_index := i;
      full_wait := greatest(1, counted.retry_after);
    end if;
    counted_window := counted.counted_bucket;
    window_epoch := counted.counted_start;
    return next;
  end loop;
  if full_index is not null then
    raise exception using errcode = 'CL429', message = full_index || ':' || full_wait;
  end if;
end;
$$;
grant execute on function public.count_usage(uuid, text[], text[], bigint[], bigint[]) to authenticated, service_role;
