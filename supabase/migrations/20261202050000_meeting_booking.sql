-- Meeting booking: one booking provider per organisation (Cal.com; its API key sealed with AES-GCM from
-- CLOSER_ENCRYPTION_KEY, never plaintext), the meeting a conversation booked on its lead, and an agent's
-- standing quick replies per script stage.

create table public.booking_connections (
  id uuid primary key default gen_random_uuid(),
  org_id uuid not null unique references public.organizations (id) on delete cascade,
  provider text not null check (provider in ('calcom')),
  -- `v1.<iv>.<ciphertext>`, bound to the row's id (see _shared/booking/connection.ts).
  api_key_enc text not null check (api_key_enc like 'v1.%'),
  api_key_hint text not null check (length(api_key_hint) <= 8),
  event_type_id bigint not null check (event_type_id > 0),
  event_type_title text check (length(event_type_title) <= 300),
  length_in_minutes integer check (length_in_minutes between 1 and 1440),
  api_url text not null check (api_url ~ '^https?://' and length(api_url) <= 300),
  booker_url text not null check (booker_url ~ '^https?://' and length(booker_url) <= 300),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create trigger booking_connections_touch before update on public.booking_connections
  for each row execute function public.touch_updated_at();
alter table public.booking_connections enable row level security;
create policy booking_connections_tenant on public.booking_connections for all to authenticated
  using (org_id = (select public.current_org_id()))
  with check (org_id = (select public.current_org_id()));
-- A visitor reaches none of it (the key): the chat reads the connection through the function below.
select public.restrict_visitors('public.booking_connections', 'false', 'false', 'false');
grant select, insert, update, delete on public.booking_connections to authenticated, service_role;

-- The organisation's booking connection for a chat turn. A visitor's transaction may not read the table; the
-- server needs the sealed key to book (it opens it with CLOSER_ENCRYPTION_KEY, which Postgres never sees).
create or replace function public.chat_booking_connection()
returns table (id uuid, provider text, api_key_enc text, event_type_id bigint, event_type_title text,
  length_in_minutes integer, api_url text, booker_url text)
language sql stable security definer set search_path = public, pg_temp as $$
  select b.id, b.provider, b.api_key_enc, b.event_type_id, b.event_type_title, b.length_in_minutes, b.api_url,
    b.booker_url
  from public.booking_connections b where b.org_id = public.current_org_id()
$$;
revoke all on function public.chat_booking_connection() from public, anon;
grant execute on function public.chat_booking_connection() to authenticated, service_role;

-- `{provider, bookingId, title, start, end, timeZone, attendeeEmail, rescheduleUrl, cancelUrl, bookedAt}`.
alter table public.leads add column meeting jsonb check (meeting is null or jsonb_typeof(meeting) = 'object');

-- `{stage: [{label, message?, action?}]}`, at most four per stage (the contract checks each item).
alter table public.agents add column stage_suggestions jsonb not null default '{}'::jsonb
  check (jsonb_typeof(stage_suggestions) = 'object');

-- A time the visitor picked before giving an email: `{start, timeZone}`, booked when the email arrives.
alter table public.conversations add column pending_booking jsonb
  check (pending_booking is null or jsonb_typeof(pending_booking) = 'object');
