-- Runs the embedding worker on Supabase: pg_cron calls the `knowledge-base` function's worker route through
-- pg_net every 15 seconds where pg_cron allows second schedules (else every minute), only while an embedding job
-- is due. The URL and the worker secret come from Vault, as for the Kommo worker (docs/kommo.md). Where pg_cron
-- is absent (plain PostgreSQL, PGlite) nothing is scheduled: the server runs the worker in-process.
do $$
begin
  if exists (select 1 from pg_extension where extname = 'pg_cron')
     and exists (select 1 from pg_extension where extname = 'pg_net') then
    -- Dynamic SQL: the cron schema exists only with the extension.
    execute $sql$
      select cron.schedule(
        'closer-embedding-worker',
        '* * * * *',
        $job$
          select net.http_post(
            url := (select decrypted_secret from vault.decrypted_secrets where name = 'closer_functions_url')
                   || '/knowledge-base/worker',
            headers := jsonb_build_object(
              'Authorization',
              'Bearer ' || (select decrypted_secret from vault.decrypted_secrets where name = 'closer_worker_secret'),
              'Content-Type', 'application/json'),
            body := '{}'::jsonb)
          where exists (
            select 1 from public.jobs
            where kind = 'knowledge.embed' and status in ('pending', 'running') and run_after <= now())
        $job$)
    $sql$;
    begin
      execute $sql$
        select cron.alter_job(jobid, schedule := '15 seconds') from cron.job where jobname = 'closer-embedding-worker'
      $sql$;
    exception when others then
      raise notice 'pg_cron cannot run every 15 seconds here; the embedding worker stays on every minute';
    end;
  end if;
end
$$;
