-- Plans, subscriptions and usage for deployments that sell Closer (docs/billing.md). Nothing here acts unless the
-- functions run with STRIPE_SECRET_KEY: with billing off these tables stay empty (but for the plans) and unread.

-- Deployment-wide settings and Stripe's bookkeeping live in their own schema: not tenant data, never reached
-- through Supabase's REST API (only `public` is exposed), and outside the tenant-table rules of `public`.
create schema if not exists billing;
revoke all on schema billing from public, anon;
grant usage on schema billing to authenticated, service_role;

-- The deployment's plans. A limit left null is unlimited. `stripe_price_id` is the recurring price Checkout
-- subscribes to (null: the free plan, which needs no subscription); `meter_event_name` names the Stripe Billing
-- Meter that counts a usage-based plan's replies. `over_allowance`: what a chat over the message allowance gets —
-- the offline responder, a polite "unavailable", or (usage-based plans) the reply, metered.
create table billing.plans (
  id text primary key check (id ~ '^[a-z0-9][a-z0-9_-]{0,39}$'),
  name text not null check (length(btrim(name)) between 1 and 100),
  stripe_price_id text unique check (length(stripe_price_id) <= 255),
  meter_event_name text check (length(meter_event_name) <= 100),
  max_agents integer check (max_agents >= 0),
  max_messages integer check (max_messages >= 0),
  max_knowledge_bytes bigint check (max_knowledge_bytes >= 0),
  max_members integer check (max_members >= 1),
  kommo boolean not null default true,
  over_allowance text not null default 'offline' check (over_allowance in ('offline', 'unavailable', 'metered')),
  position integer not null default 0,
  created_at timestamptz not null default now()
);
insert into billing.plans (id, name, max_agents, max_messages, max_knowledge_bytes, max_members, kommo)
values ('free', 'Free', 1, 200, 1048576, 2, false);
revoke all on billing.plans from public, anon;
grant select on billing.plans to authenticated;
grant select, insert, update, delete on billing.plans to service_role;

-- Stripe events applied, by id: a delivery seen before is acknowledged and changes nothing. The server's own.
create table billing.stripe_events (
  id text primary key check (length(id) <= 255),
  type text not null check (length(type) <= 100),
  created timestamptz not null,
  org_id uuid references public.organizations (id) on delete set null,
  received_at timestamptz not null default now()
);
revoke all on billing.stripe_events from public, anon, authenticated;
grant select, insert, update, delete on billing.stripe_events to service_role;

-- One organisation's subscription as Stripe last told it. Written only by the Stripe webhooks (the connection's
-- owner); a tenant reads its own. `stripe_event_at` is the `created` of the newest event applied to the
-- subscription: an older event arriving later changes nothing. After a failed payment the paid plan holds until
-- `grace_until`; then, or when the subscription ends, the organisation is on the free plan.
create table public.billing_accounts (
  org_id uuid primary key references public.organizations (id) on delete cascade,
  plan_id text not null default 'free' references billing.plans (id),
  stripe_customer_id text unique check (length(stripe_customer_id) <= 255),
  stripe_subscription_id text unique check (length(stripe_subscription_id) <= 255),
  subscription_status text check (length(subscription_status) <= 40),
  current_period_start timestamptz,
  current_period_end timestamptz,
  cancel_at_period_end boolean not null default false,
  payment_failed_at timestamptz,
  grace_until timestamptz,
  -- The `created` of the newest paid invoice: an older failure arriving later is not a failure any more.
  last_paid_at timestamptz,
  stripe_event_at timestamptz,
  -- The first reply over the message allowance in the current period: the owner's warning.
  over_allowance_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create trigger billing_accounts_touch before update on public.billing_accounts
  for each row execute function public.touch_updated_at();
alter table public.billing_accounts enable row level security;
create policy billing_accounts_read on public.billing_accounts for select to authenticated
  using (org_id = (select public.current_org_id()));
select public.restrict_visitors('public.billing_accounts'::regclass, 'false', 'false', 'false');
revoke all on public.billing_accounts from public, anon;
grant select, insert, update, delete on public.billing_accounts to authenticated, service_role;

-- The usage ledger: one row per organisation, metric and billing period. `reported` is how much of `quantity`
-- Stripe's Billing Meter has been told (usage-based plans).
create table public.billing_usage (
  org_id uuid not null references public.organizations (id) on delete cascade,
  metric text not null check (metric in ('messages')),
  period_start timestamptz not null,
  quantity bigint not null default 0 check (quantity >= 0),
  reported bigint not null default 0 check (reported >= 0),
  updated_at timestamptz not null default now(),
  primary key (org_id, metric, period_start)
);
alter table public.billing_usage enable row level security;
create policy billing_usage_read on public.billing_usage for select to authenticated
  using (org_id = (select public.current_org_id()));
select public.restrict_visitors('public.billing_usage'::regclass, 'false', 'false', 'false');
revoke all on public.billing_usage from public, anon;
grant select, insert, update, delete on public.billing_usage to authenticated, service_role;

-- The plan the caller's organisation is on now: its subscription's while active, trialing or within the grace
-- period after a failed payment; otherwise the free plan. These functions read the organisation from the
-- request's claims, never from an argument, so no tenant can ask about another.
create function public.billing_plan() returns text
language sql stable security definer set search_path = '' as $$
  select coalesce((
    select a.plan_id from public.billing_accounts a
    where a.org_id = public.current_org_id() and (
      a.subscription_status in ('active', 'trialing')
      or (a.subscription_status in ('past_due', 'unpaid', 'incomplete') and a.grace_until > now())
    )), 'free')
$$;
revoke all on function public.billing_plan() from public, anon;
grant execute on function public.billing_plan() to authenticated, service_role;

-- The start of the organisation's current billing period: its subscription's, or the calendar month (UTC).
create function public.billing_period_start() returns timestamptz
language sql stable security definer set search_path = '' as $$
  select coalesce((
    select a.current_period_start from public.billing_accounts a
    where a.org_id = public.current_org_id() and a.current_period_start <= now() and a.current_period_end > now()
  ), date_trunc('month', now(), 'UTC'))
$$;
revoke all on function public.billing_period_start() from public, anon;
grant execute on function public.billing_period_start() to authenticated, service_role;

-- Counts one model reply for the caller's organisation (visitors included: their claims cannot write the
-- ledger themselves) and says whether it is over the plan's allowance; the first reply over it is remembered
-- for the owner's warning.
create function public.meter_reply() returns table (
  plan_id text, period_start timestamptz, quantity bigint, allowance integer, over_allowance text
)
language plpgsql security definer set search_path = '' as $$
#variable_conflict use_column
declare
  v_org uuid := public.current_org_id();
  v_plan billing.plans;
  v_period timestamptz;
  v_quantity bigint;
begin
  if v_org is null then
    raise exception using errcode = '42501', message = 'no organisation in the request claims';
  end if;
  select * into v_plan from billing.plans p where p.id = public.billing_plan();
  v_period := public.billing_period_start();
  insert into public.billing_usage as u (org_id, metric, period_start, quantity)
  values (v_org, 'messages', v_period, 1)
  on conflict (org_id, metric, period_start) do update set quantity = u.quantity + 1, updated_at = now()
  returning u.quantity into v_quantity;
  if v_plan.max_messages is not null and v_quantity > v_plan.max_messages and v_plan.over_allowance <> 'metered' then
    insert into public.billing_accounts as a (org_id, over_allowance_at) values (v_org, now())
    on conflict (org_id) do update set over_allowance_at = now()
      where a.over_allowance_at is null or a.over_allowance_at < v_period;
  end if;
  return query select v_plan.id, v_period, v_quantity, v_plan.max_messages, v_plan.over_allowance;
end;
$$;
revoke all on function public.meter_reply() from public, anon;
grant execute on function public.meter_reply() to authenticated, service_role;

-- Takes back a reply counted by meter_reply() whose turn was then refused or failed before the model was asked.
create function public.unmeter_reply(p_period timestamptz) returns void
language sql security definer set search_path = '' as $$
  update public.billing_usage set quantity = greatest(quantity - 1, 0), updated_at = now()
  where org_id = public.current_org_id() and metric = 'messages' and period_start = p_period
$$;
revoke all on function public.unmeter_reply(timestamptz) from public, anon;
grant execute on function public.unmeter_reply(timestamptz) to authenticated, service_role;

-- Text bytes (UTF-8) of the caller's organisation's knowledge: its agents' items (sources' included) and its
-- articles, unpublished ones too.
create function public.billing_knowledge_bytes() returns bigint
language sql stable security definer set search_path = '' as $$
  select coalesce((select sum(octet_length(k.title) + octet_length(k.content))
                   from public.company_knowledge k where k.org_id = public.current_org_id()), 0)
       + coalesce((select sum(octet_length(a.title) + octet_length(a.content))
                   from public.knowledge_articles a where a.org_id = public.current_org_id()), 0)
$$;
revoke all on function public.billing_knowledge_bytes() from public, anon;
grant execute on function public.billing_knowledge_bytes() to authenticated, service_role;
