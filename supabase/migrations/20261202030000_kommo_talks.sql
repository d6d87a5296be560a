-- Kommo conversations the agent answers through Salesbot: one Closer conversation per Kommo lead (or customer),
-- with the contact and channel Kommo named, and whether a person in Kommo has taken the talk over.
create table public.kommo_talks (
  id uuid primary key default gen_random_uuid(),
  org_id uuid not null references public.organizations (id) on delete cascade,
  connection_id uuid not null,
  foreign key (connection_id, org_id) references public.kommo_connections (id, org_id) on delete cascade,
  -- Kommo's entity the bot runs for: 2 lead, 12 customer (the token's entity_type and entity_id).
  entity_type smallint not null check (entity_type in (2, 12)),
  entity_id bigint not null check (entity_id > 0),
  talk_id bigint,
  kommo_contact_id bigint,
  contact_name text check (length(contact_name) <= 200),
  -- The messenger: waba, telegram, instagram_business, onlinechat, …
  origin text check (length(origin) <= 60),
  conversation_id uuid not null unique,
  foreign key (conversation_id, org_id) references public.conversations (id, org_id) on delete cascade,
  -- A person in Kommo answered: the agent stays quiet until then (null: the agent answers).
  paused_until timestamptz,
  -- The agent could not answer (model failure): a person should look at this talk.
  needs_person boolean not null default false,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (connection_id, entity_type, entity_id)
);
create index kommo_talks_org_idx on public.kommo_talks (org_id, created_at desc);
create index kommo_talks_talk_idx on public.kommo_talks (connection_id, talk_id);
create trigger kommo_talks_touch before update on public.kommo_talks
  for each row execute function public.touch_updated_at();
alter table public.kommo_talks enable row level security;
create policy kommo_talks_tenant on public.kommo_talks for all to authenticated
  using (org_id = (select public.current_org_id()))
  with check (org_id = (select public.current_org_id()));
select public.restrict_visitors('public.kommo_talks', 'false', 'false', 'false');
revoke all on public.kommo_talks from anon;
grant select, insert, update, delete on public.kommo_talks to authenticated, service_role;
