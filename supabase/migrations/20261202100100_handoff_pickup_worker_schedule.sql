-- Runs the handoff worker (`POST /worker/handoffs`) on Supabase every 15 seconds (every minute where pg_cron
-- cannot schedule seconds), through pg_net with the URL and worker secret from Vault, as for the webhooks
-- (docs/handoff.md#nobody-picks-up). It is called only when some request for a person has waited past its
-- agent's `handoff.pickupTimeoutSeconds` unanswered. Nothing happens where pg_cron or pg_net is absent (plain
-- PostgreSQL, PGlite): the local stack runs the worker on an interval.
do $$
declare
  command text := $job$
    select net.http_post(
      url := (select decrypted_secret from vault.decrypted_secrets where name = 'closer_functions_url')
             || '/worker/handoffs',
      headers := jsonb_build_object(
        'Authorization',
        'Bearer ' || (select decrypted_secret from vault.decrypted_secrets where name = 'closer_worker_secret'),
        'Content-Type', 'application/json'),
      body := '{}'::jsonb)
    where exists (select 1 from public.conversations c join public.agents a on a.id = c.agent_id
                  where c.status = 'handoff_requested' and c.handoff_unanswered_at is null
                    and jsonb_typeof(a.handoff -> 'pickupTimeoutSeconds') = 'number'
                    and c.handoff_requested_at
                        <= now() - make_interval(secs => (a.handoff ->> 'pickupTimeoutSeconds')::float8))
  $job$;
begin
  if exists (select 1 from pg_available_extensions where name = 'pg_cron')
     and exists (select 1 from pg_available_extensions where name = 'pg_net')
     and coalesce(current_setting('shared_preload_libraries', true), '') like '%pg_cron%' then
    create extension if not exists pg_cron;
    create extension if not exists pg_net;
    begin
      execute 'select cron.schedule($1, $2, $3)' using 'closer-handoff-worker', '15 seconds', command;
    exception when others then
      execute 'select cron.schedule($1, $2, $3)' using 'closer-handoff-worker', '* * * * *', command;
    end;
  end if;
end
$$;
