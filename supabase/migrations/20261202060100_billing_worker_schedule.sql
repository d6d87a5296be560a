-- Reports usage-based plans' replies to Stripe Billing Meters (`POST /billing/worker`) on Supabase every five
-- minutes, through pg_net with the URL and worker secret from Vault, as for the other workers (docs/billing.md).
-- Called only when some organisation on a metered plan has replies Stripe has not been told of. Nothing happens
-- where pg_cron or pg_net is absent (plain PostgreSQL, PGlite): there, call the route from your own scheduler.
do $$
declare
  command text := $job$
    select net.http_post(
      url := (select decrypted_secret from vault.decrypted_secrets where name = 'closer_functions_url')
             || '/billing/worker',
      headers := jsonb_build_object(
        'Authorization',
        'Bearer ' || (select decrypted_secret from vault.decrypted_secrets where name = 'closer_worker_secret'),
        'Content-Type', 'application/json'),
      body := '{}'::jsonb)
    where exists (select 1 from public.billing_usage u
                  join public.billing_accounts a on a.org_id = u.org_id
                  join billing.plans p on p.id = a.plan_id and p.meter_event_name is not null
                  where u.quantity > u.reported)
  $job$;
begin
  if exists (select 1 from pg_available_extensions where name = 'pg_cron')
     and exists (select 1 from pg_available_extensions where name = 'pg_net')
     and coalesce(current_setting('shared_preload_libraries', true), '') like '%pg_cron%' then
    create extension if not exists pg_cron;
    create extension if not exists pg_net;
    execute 'select cron.schedule($1, $2, $3)' using 'closer-billing-meters', '*/5 * * * *', command;
  end if;
end
$$;
