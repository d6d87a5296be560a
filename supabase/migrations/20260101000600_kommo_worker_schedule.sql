-- Runs the Kommo outbox worker every minute on Supabase, with pg_cron calling the `kommo` function through
-- pg_net. Where the extensions are not available (plain PostgreSQL, PGlite) nothing is scheduled: the local
-- stack runs the worker on an interval instead. The URL and the worker secret come from Vault (docs/kommo.md).
do $$
begin
  if exists (select 1 from pg_available_extensions where name = 'pg_cron')
     and exists (select 1 from pg_available_extensions where name = 'pg_net') then
    create extension if not exists pg_cron;
    create extension if not exists pg_net;
    perform cron.schedule(
      'closer-kommo-worker',
      '* * * * *',
      $job$
        select net.http_post(
          url := (select decrypted_secret from vault.decrypted_secrets where name = 'closer_functions_url')
                 || '/kommo/worker',
          headers := jsonb_build_object(
            'Authorization',
            'Bearer ' || (select decrypted_secret from vault.decrypted_secrets where name = 'closer_worker_secret'),
            'Content-Type', 'application/json'),
          body := '{}'::jsonb)
        where exists (select 1 from public.jobs where status in ('pending', 'running') and run_after <= now())
      $job$
    );
  end if;
end
$$;
