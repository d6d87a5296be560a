// Stripe's webhook events applied to billing_accounts: each event once (by id), in one transaction, and never
// backwards — an event older than what the subscription last reported, or a failed invoice older than the last
// paid one, changes nothing. Runs as the connection's owner: the event names the organisation, not a credential.
import type { Database, Queryable } from '../db/types.ts';
import type { BillingConfig } from './config.ts';
import type { Stripe } from './stripe.ts';

export interface WebhookOutcome {
  /** False for a delivery seen before, an event type Closer does not use, or one about no known organisation. */
  applied: boolean;
  reason?: 'duplicate' | 'ignored' | 'unknown_customer' | 'stale';
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const idOf = (value: string | { id: string } | null | undefined) =>
  typeof value === 'string' ? value : (value?.id ?? null);
const at = (seconds: number) => new Date(seconds * 1000);

/** Applies one verified event; a delivery of an event already applied is acknowledged and changes nothing. */
export function applyStripeEvent(
  db: Database,
  config: BillingConfig,
  event: Stripe.Event,
): Promise<WebhookOutcome> {
  return db.transaction(async (tx) => {
    const [fresh] = await tx.query(
      `insert into billing.stripe_events (id, type, created) values ($1, $2, $3)
       on conflict (id) do nothing returning id`,
      [event.id, event.type, at(event.created)],
    );
    if (!fresh) return { applied: false, reason: 'duplicate' };
    const outcome = await applyEvent(tx, config, event);
    if (outcome.orgId) {
      await tx.query('update billing.stripe_events set org_id = $2 where id = $1', [event.id, outcome.orgId]);
    }
    return outcome.reason ? { applied: false, reason: outcome.reason } : { applied: true };
  });
}

interface Applied {
  orgId: string | null;
  reason?: WebhookOutcome['reason'];
}

function applyEvent(tx: Queryable, config: BillingConfig, event: Stripe.Event): Promise<Applied> {
  const created = at(event.created);
  switch (event.type) {
    case 'checkout.session.completed':
      return checkoutCompleted(tx, event.data.object, created);
    case 'customer.subscription.created':
    case 'customer.subscription.updated':
    case 'customer.subscription.deleted':
      return subscriptionChanged(tx, config, event.data.object, created);
    case 'invoice.paid':
      return invoicePaid(tx, event.data.object, created);
    case 'invoice.payment_failed':
      return paymentFailed(tx, config, event.data.object, created);
    default:
      return Promise.resolve({ orgId: null, reason: 'ignored' });
  }
}

interface LockedAccount {
  org_id: string;
  plan_id: string;
  stripe_subscription_id: string | null;
  subscription_status: string | null;
  stripe_event_at: Date | null;
  payment_failed_at: Date | null;
  last_paid_at: Date | null;
}

/** The organisation's account, created if missing and locked: by the organisation id Closer put in metadata, else by customer. */
async function lockAccount(
  tx: Queryable,
  orgId: string | null | undefined,
  customerId: string | null,
): Promise<LockedAccount | null> {
  if (orgId && UUID.test(orgId)) {
    await tx.query(
      `insert into public.billing_accounts (org_id)
       select id from public.organizations where id = $1 on conflict (org_id) do nothing`,
      [orgId],
    );
    const [row] = await tx.query<LockedAccount>(
      'select * from public.billing_accounts where org_id = $1 for update',
      [orgId],
    );
    if (row) return row;
  }
  if (!customerId) return null;
  const [row] = await tx.query<LockedAccount>(
    'select * from public.billing_accounts where stripe_customer_id = $1 for update',
    [customerId],
  );
  return row ?? null;
}

async function planIdFor(tx: Queryable, priceId: string | null, named: string | undefined) {
  const [plan] = await tx.query<{ id: string }>(
    `select id from billing.plans where stripe_price_id = $1
     union all select id from billing.plans where id = $2 limit 1`,
    [priceId, named ?? null],
  );
  return plan?.id ?? null;
}

async function checkoutCompleted(
  tx: Queryable,
  session: Stripe.Checkout.Session,
  created: Date,
): Promise<Applied> {
  if (session.mode !== 'subscription') return { orgId: null, reason: 'ignored' };
  const customerId = idOf(session.customer);
  const subscriptionId = idOf(session.subscription);
  const account = await lockAccount(tx, session.client_reference_id ?? session.metadata?.orgId, customerId);
  if (!account) return { orgId: null, reason: 'unknown_customer' };
  const planId = await planIdFor(tx, null, session.metadata?.planId);
  // A subscription Closer has not heard of yet starts active (Checkout completes once the first payment
  // succeeds); one its own events already described keeps what they said.
  const isNew = subscriptionId !== null && subscriptionId !== account.stripe_subscription_id;
  await tx.query(
    `update public.billing_accounts set
       stripe_customer_id = coalesce($2, stripe_customer_id),
       stripe_subscription_id = coalesce($3, stripe_subscription_id),
       plan_id = case when $4 then coalesce($5, plan_id) else plan_id end,
       subscription_status = case when $4 then 'active' else subscription_status end,
       payment_failed_at = case when $4 then null else payment_failed_at end,
       grace_until = case when $4 then null else grace_until end,
       stripe_event_at = case when $4 then $6 else stripe_event_at end
     where org_id = $1`,
    [account.org_id, customerId, subscriptionId, isNew, planId, created],
  );
  return { orgId: account.org_id };
}

/** Stripe's subscription periods sit on its items since API 2025-03-31; older payloads carry them on top. */
function periodOf(subscription: Stripe.Subscription) {
  const item = subscription.items?.data?.[0] as
    | { current_period_start?: number; current_period_end?: number; price?: { id: string } }
    | undefined;
  const top = subscription as unknown as { current_period_start?: number; current_period_end?: number };
  const start = item?.current_period_start ?? top.current_period_start;
  const end = item?.current_period_end ?? top.current_period_end;
  return {
    start: start ? at(start) : null,
    end: end ? at(end) : null,
    priceId: item?.price?.id ?? null,
  };
}

const ENDED = new Set(['canceled', 'incomplete_expired']);

async function subscriptionChanged(
  tx: Queryable,
  config: BillingConfig,
  subscription: Stripe.Subscription,
  created: Date,
): Promise<Applied> {
  const customerId = idOf(subscription.customer);
  const account = await lockAccount(tx, subscription.metadata?.orgId, customerId);
  if (!account) return { orgId: null, reason: 'unknown_customer' };
  const orgId = account.org_id;
  const another =
    account.stripe_subscription_id !== null && account.stripe_subscription_id !== subscription.id;
  // Events about an old subscription do not touch the one in force; a new one replaces an ended one.
  if (another && !ENDED.has(account.subscription_status ?? '')) return { orgId, reason: 'stale' };
  if (!another && account.stripe_event_at) {
    const last = account.stripe_event_at.getTime();
    const older = created.getTime() < last;
    // Same second: an ended subscription does not come back.
    const revives =
      created.getTime() === last &&
      ENDED.has(account.subscription_status ?? '') &&
      !ENDED.has(subscription.status);
    if (older || revives) return { orgId, reason: 'stale' };
  }
  const period = periodOf(subscription);
  const planId = await planIdFor(tx, period.priceId, subscription.metadata?.planId);
  const healthy = subscription.status === 'active' || subscription.status === 'trialing';
  const failing = subscription.status === 'past_due' || subscription.status === 'unpaid';
  await tx.query(
    `update public.billing_accounts set
       stripe_customer_id = coalesce($2, stripe_customer_id),
       stripe_subscription_id = $3,
       plan_id = coalesce($4, plan_id),
       subscription_status = $5,
       current_period_start = $6,
       current_period_end = $7,
       cancel_at_period_end = $8,
       payment_failed_at = case when $9 then null when $10 then coalesce(payment_failed_at, $11) else payment_failed_at end,
       grace_until = case when $9 then null when $10 then coalesce(grace_until, $11::timestamptz + $12::float8 * interval '1 day')
                     else grace_until end,
       stripe_event_at = $11
     where org_id = $1`,
    [
      orgId,
      customerId,
      subscription.id,
      planId,
      subscription.status,
      period.start,
      period.end,
      subscription.cancel_at_period_end ?? false,
      healthy,
      failing,
      created,
      config.graceDays,
    ],
  );
  return { orgId };
}

async function invoicePaid(tx: Queryable, invoice: Stripe.Invoice, created: Date): Promise<Applied> {
  const account = await lockAccount(tx, null, idOf(invoice.customer));
  if (!account) return { orgId: null, reason: 'unknown_customer' };
  await tx.query(
    `update public.billing_accounts set
       last_paid_at = greatest(last_paid_at, $2),
       payment_failed_at = case when payment_failed_at <= $2 then null else payment_failed_at end,
       grace_until = case when payment_failed_at <= $2 then null else grace_until end,
       subscription_status = case when subscription_status in ('past_due', 'unpaid') and payment_failed_at <= $2
                                  then 'active' else subscription_status end,
       stripe_event_at = case when subscription_status in ('past_due', 'unpaid') and payment_failed_at <= $2
                              then greatest(stripe_event_at, $2) else stripe_event_at end
     where org_id = $1`,
    [account.org_id, created],
  );
  return { orgId: account.org_id };
}

async function paymentFailed(
  tx: Queryable,
  config: BillingConfig,
  invoice: Stripe.Invoice,
  created: Date,
): Promise<Applied> {
  const account = await lockAccount(tx, null, idOf(invoice.customer));
  if (!account) return { orgId: null, reason: 'unknown_customer' };
  // A later invoice was paid already: this failure is history.
  if (account.last_paid_at && account.last_paid_at.getTime() > created.getTime()) {
    return { orgId: account.org_id, reason: 'stale' };
  }
  await tx.query(
    `update public.billing_accounts set
       payment_failed_at = coalesce(payment_failed_at, $2),
       grace_until = coalesce(grace_until, $2::timestamptz + $3::float8 * interval '1 day'),
       subscription_status = case when subscription_status = 'active' then 'past_due' else subscription_status end,
       stripe_event_at = case when subscription_status = 'active' then greatest(stripe_event_at, $2) else stripe_event_at end
     where org_id = $1`,
    [account.org_id, created, config.graceDays],
  );
  return { orgId: account.org_id };
}
