-- The account's lead and contact custom fields, synced with the pipelines, so the field mapping can be checked.
alter table public.kommo_connections add column custom_fields jsonb not null default '[]'::jsonb;
