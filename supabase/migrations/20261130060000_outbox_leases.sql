-- Outbox leases that fence, and re-runs for changes after a job ran.
-- lease_token: set when a worker starts a job (each job its own lease, from when it runs); every write the
--   worker makes to the job names it, so a worker whose lease ran out and was taken over writes nothing.
-- revision: raised each time the job is asked for again (a lead corrected after it synced); a run that began at
--   an older revision leaves the job pending instead of done, so the change is sent too.
alter table public.jobs
  add column lease_token uuid,
  add column revision integer not null default 0 check (revision >= 0);

-- Kommo token refresh: a short lease on the connection instead of a row lock held across the call to Kommo.
alter table public.kommo_connections
  add column refresh_lease_token uuid,
  add column refresh_lease_until timestamptz;
