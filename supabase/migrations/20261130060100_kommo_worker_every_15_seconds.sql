-- Captured leads no longer start the worker from the visitor's request: pg_cron runs it every 15 seconds where
-- its version allows second schedules (pg_cron >= 1.5, as on Supabase), keeping each minute otherwise. Nothing
-- happens where pg_cron is absent (plain PostgreSQL, PGlite): the local stack runs the worker on an interval.
do $$
begin
  if exists (select 1 from pg_extension where extname = 'pg_cron') then
    -- Dynamic SQL: the cron schema exists only with the extension.
    begin
      execute $sql$
        select cron.alter_job(jobid, schedule := '15 seconds') from cron.job where jobname = 'closer-kommo-worker'
      $sql$;
    exception when others then
      raise notice 'pg_cron cannot run every 15 seconds here; the Kommo worker stays on every minute';
    end;
  end if;
end
$$;
