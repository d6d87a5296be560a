-- Signed outbound webhooks (docs/webhooks.md): an organisation's endpoints, their signing secrets (two during a
-- rotation's overlap), one delivery per event and endpoint, and the log of every attempt. Events are published
-- by `public.publish_event` in the transaction of the change, which writes the deliveries and their outbox jobs;
-- the worker sends them. Endpoints, secrets and the log are an owner's or admin's business: a plain member's
-- transaction sees none of them, and a visitor's none at all.

create table public.webhook_endpoints (
  id uuid primary key default gen_random_uuid(),
  org_id uuid not null references public.organizations (id) on delete cascade,
  url text not null check (length(url) between 8 and 2000),
  description text not null default '' check (length(description) <= 500),
  event_types text[] not null check (cardinality(event_types) between 1 and 20),
  enabled boolean not null default true,
  -- Why the worker (or a person) turned it off; cleared when it is enabled again.
  disabled_reason text check (length(disabled_reason) <= 2000),
  last_success_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (id, org_id)
);
create index webhook_endpoints_org_idx on public.webhook_endpoints (org_id, created_at desc, id desc);
create trigger webhook_endpoints_touch before update on public.webhook_endpoints
  for each row execute function public.touch_updated_at();

-- `expires_at` null: the current secret. A rotation gives the old one an expiry; until then both sign.
create table public.webhook_secrets (
  id uuid primary key default gen_random_uuid(),
  org_id uuid not null references public.organizations (id) on delete cascade,
  endpoint_id uuid not null,
  foreign key (endpoint_id, org_id) references public.webhook_endpoints (id, org_id) on delete cascade,
  secret text not null check (secret ~ '^whsec_[A-Za-z0-9+/]{32,88}={0,2}$'),
  expires_at timestamptz,
  created_at timestamptz not null default now()
);
create index webhook_secrets_endpoint_idx on public.webhook_secrets (endpoint_id, created_at desc);
create unique index webhook_secrets_one_current on public.webhook_secrets (endpoint_id) where expires_at is null;

create table public.webhook_deliveries (
  id uuid primary key default gen_random_uuid(),
  org_id uuid not null references public.organizations (id) on delete cascade,
  endpoint_id uuid not null,
  foreign key (endpoint_id, org_id) references public.webhook_endpoints (id, org_id) on delete cascade,
  -- The `webhook-id` header: one per event, the same on every attempt and replay.
  event_id text not null check (event_id ~ '^msg_[0-9a-f]{32}$'),
  event_type text not null check (length(event_type) between 1 and 100),
  -- The exact bytes signed and sent: `{"type","timestamp","data"}` as the publisher wrote them. Generous: a
  -- longest reply (32 000 tokens) fits many times, so publishing never fails the change it reports.
  body text not null check (length(body) <= 4194304),
  -- The conversation the event is about, if any: erasing or expiring it (privacy) removes its events too.
  conversation_id uuid,
  foreign key (conversation_id, org_id) references public.conversations (id, org_id) on delete cascade,
  status text not null default 'pending' check (status in ('pending', 'succeeded', 'failed')),
  attempts integer not null default 0 check (attempts >= 0),
  last_status_code integer,
  last_error text check (length(last_error) <= 2000),
  next_attempt_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (endpoint_id, event_id),
  unique (id, org_id)
);
create index webhook_deliveries_endpoint_idx on public.webhook_deliveries (endpoint_id, created_at desc, id desc);
create index webhook_deliveries_org_idx on public.webhook_deliveries (org_id);
create index webhook_deliveries_conversation_idx on public.webhook_deliveries (conversation_id);
-- The log is kept 30 days (the worker prunes it).
create index webhook_deliveries_created_idx on public.webhook_deliveries (created_at);
create trigger webhook_deliveries_touch before update on public.webhook_deliveries
  for each row execute function public.touch_updated_at();

create table public.webhook_attempts (
  id uuid primary key default gen_random_uuid(),
  org_id uuid not null references public.organizations (id) on delete cascade,
  delivery_id uuid not null,
  foreign key (delivery_id, org_id) references public.webhook_deliveries (id, org_id) on delete cascade,
  -- Null when no answer came (refused address, timeout, connection error: see `error`).
  status_code integer,
  latency_ms integer not null check (latency_ms >= 0),
  response_excerpt text not null default '' check (length(response_excerpt) <= 1000),
  error text check (length(error) <= 2000),
  succeeded boolean not null,
  created_at timestamptz not null default now()
);
create index webhook_attempts_delivery_idx on public.webhook_attempts (delivery_id, created_at desc);
create index webhook_attempts_org_idx on public.webhook_attempts (org_id);

do $$
declare
  tbl text;
begin
  foreach tbl in array array['webhook_endpoints', 'webhook_secrets', 'webhook_deliveries', 'webhook_attempts'] loop
    execute format('alter table public.%I enable row level security', tbl);
    execute format(
      'create policy %I on public.%I for all to authenticated
         using (org_id = (select public.current_org_id()))
         with check (org_id = (select public.current_org_id()))',
      tbl || '_tenant', tbl);
    execute format(
      'create policy %I on public.%I as restrictive for all to authenticated
         using (coalesce((select public.current_member_role()) <> ''member'', true))
         with check (coalesce((select public.current_member_role()) <> ''member'', true))',
      tbl || '_admins', tbl);
    perform public.restrict_visitors(format('public.%I', tbl)::regclass, 'false', 'false', 'false');
    execute format('grant select, insert, update, delete on public.%I to authenticated, service_role', tbl);
  end loop;
end
$$;

-- Publishes one event of the request's organisation: a delivery and its outbox job (`webhooks.deliver`, the
-- shape `enqueueJob` writes) for each enabled endpoint subscribed to `event_type`, in the caller's transaction.
-- Security definer because a visitor's chat starts conversations and captures leads but may not see the
-- endpoints; it acts only for the organisation of the request's own claims. Answers how many were queued.
create function public.publish_event(org uuid, event_id text, event_type text, body text) returns integer
language plpgsql volatile security definer set search_path = '' as $$
declare
  queued integer;
  data jsonb;
  conversation text;
begin
  if org is distinct from public.current_org_id() then
    raise exception 'an event is published only for the organization of the request' using errcode = '42501';
  end if;
  if not exists (select 1 from public.webhook_endpoints e
                 where e.org_id = publish_event.org and e.enabled and publish_event.event_type = any (e.event_types)) then
    return 0;
  end if;
  data := publish_event.body::jsonb -> 'data';
  conversation := coalesce(data ->> 'conversationId',
                           case when publish_event.event_type like 'conversation.%' then data ->> 'id' end);
  if conversation !~ '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
     or not exists (select 1 from public.conversations c
                    where c.id = conversation::uuid and c.org_id = publish_event.org) then
    conversation := null;
  end if;
  with deliveries as (
    insert into public.webhook_deliveries (org_id, endpoint_id, event_id, event_type, body, conversation_id)
    select e.org_id, e.id, publish_event.event_id, publish_event.event_type, publish_event.body,
      conversation::uuid
    from public.webhook_endpoints e
    where e.org_id = publish_event.org and e.enabled and publish_event.event_type = any (e.event_types)
    returning id, org_id
  ), jobs as (
    insert into public.jobs (org_id, kind, payload, dedupe_key)
    select d.org_id, 'webhooks.deliver', jsonb_build_object('deliveryId', d.id), 'webhooks.deliver:' || d.id
    from deliveries d
    returning 1
  )
  select count(*)::integer into queued from jobs;
  return queued;
end
$$;
revoke execute on function public.publish_event(uuid, text, text, text) from public, anon;
grant execute on function public.publish_event(uuid, text, text, text) to authenticated, service_role;
