-- Kommo webhooks: the connection keeps its webhook secret (hashed to find the connection, encrypted to show the
-- URL to its admins), and a lead remembers the Kommo stage it was last seen in.
alter table public.kommo_connections
  add column webhook_token_enc text,
  add column webhook_registered boolean not null default false;

alter table public.leads
  add column crm_pipeline_id bigint,
  add column crm_status_id bigint,
  add column crm_stage_name text check (length(crm_stage_name) <= 255),
  -- Kommo's own change time of the stage: an older delivery arriving late never overwrites a newer one.
  add column crm_stage_changed_at timestamptz;

create index leads_crm_external_idx on public.leads (org_id, crm_external_id) where crm_external_id is not null;
