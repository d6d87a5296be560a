-- Runs the webhooks worker (`POST /worker/webhooks`) on Supabase every 15 seconds (every minute where
-- pg_cron cannot schedule seconds), through pg_net with the URL and worker secret from Vault, as for Kommo
-- (docs/kommo.md). It is called only when a delivery is due. Nothing happens where pg_cron
-- or pg_net is absent (plain PostgreSQL, PGlite): the local stack runs the worker on an interval.
do $$
declare
  command text := $job$
    select net.http_post(
      url := (select decrypted_secret from vault.decrypted_secrets where name = 'closer_functions_url')
             || '/worker/webhooks',
      headers := jsonb_build_object(
        'Authorization',
        'Bearer ' || (select decrypted_secret from vault.decrypted_secrets where name = 'closer_worker_secret'),
        'Content-Type', 'application/json'),
      body := '{}'::jsonb)
    where exists (select 1 from public.jobs where kind = 'webhooks.deliver'
                    and status in ('pending', 'running') and run_after <= now())
  $job$;
begin
  if exists (select 1 from pg_available_extensions where name = 'pg_cron')
     and exists (select 1 from pg_available_extensions where name = 'pg_net')
     and coalesce(current_setting('shared_preload_libraries', true), '') like '%pg_cron%' then
    create extension if not exists pg_cron;
    create extension if not exists pg_net;
    begin
      execute 'select cron.schedule($1, $2, $3)' using 'closer-webhooks-worker', '15 seconds', command;
    exception when others then
      execute 'select cron.schedule($1, $2, $3)' using 'closer-webhooks-worker', '* * * * *', command;
    end;
  end if;
end
$$;
