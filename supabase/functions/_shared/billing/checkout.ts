// The Stripe-hosted pages an admin is sent to: Checkout to subscribe to a plan, the Customer Portal to change
// plan, payment method or cancel, and to read invoices.
import type { BillingCheckoutRequest, BillingPortalRequest } from '@closer/contract';
import type { Database, Queryable } from '../db/types.ts';
import { ApiError } from '../http/errors.ts';
import { readAccount } from './account.ts';
import type { BillingConfig } from './config.ts';
import type { PlanRow } from './plans.ts';
import { askStripe, stripeClient } from './stripe.ts';

export interface BillingCaller {
  orgId: string;
  /** Shown in Stripe's dashboard beside the customer. */
  orgName: string;
  email: string | null;
}

/**
 * The organisation's Stripe customer, created on first use. Stored as the connection's owner (tenants only read
 * billing_accounts); an idempotency key per organisation keeps two first checkouts at once to one customer.
 */
async function customerFor(db: Database, config: BillingConfig, caller: BillingCaller, known: string | null) {
  if (known) return known;
  const customer = await askStripe('creating the customer', () =>
    stripeClient(config).customers.create(
      {
        name: caller.orgName,
        ...(caller.email ? { email: caller.email } : {}),
        metadata: { orgId: caller.orgId },
      },
      { idempotencyKey: `closer-customer-${caller.orgId}` },
    ),
  );
  await db.query(
    `insert into public.billing_accounts (org_id, stripe_customer_id) values ($1, $2)
     on conflict (org_id) do update set stripe_customer_id = coalesce(public.billing_accounts.stripe_customer_id, excluded.stripe_customer_id)`,
    [caller.orgId, customer.id],
  );
  return customer.id;
}

/** What a Checkout needs from the database, read in the caller's transaction: the plan and the known customer. */
export interface CheckoutPlan {
  plan: PlanRow & { stripe_price_id: string };
  customerId: string | null;
}

/** The plan to subscribe to; 404 for an unknown plan, 409 for the free plan or while a subscription is in force. */
export async function checkoutPlan(tx: Queryable, planId: string): Promise<CheckoutPlan> {
  const [plan] = await tx.query<PlanRow>('select * from billing.plans where id = $1', [planId]);
  if (!plan) throw new ApiError('not_found', `Plan ${planId} not found`);
  if (!plan.stripe_price_id) throw new ApiError('conflict', `The ${plan.name} plan needs no subscription`);
  const account = await readAccount(tx);
  if (account?.subscription_status && !ENDED.includes(account.subscription_status)) {
    throw new ApiError(
      'conflict',
      'The organisation already has a subscription: change its plan in the billing portal (POST /billing/portal)',
    );
  }
  return {
    plan: { ...plan, stripe_price_id: plan.stripe_price_id },
    customerId: account?.stripe_customer_id ?? null,
  };
}

const ENDED = ['canceled', 'incomplete_expired'];

/** A Checkout Session subscribing the organisation to the plan (outside any transaction: it calls Stripe). */
export async function startCheckout(
  db: Database,
  config: BillingConfig,
  caller: BillingCaller,
  { plan, customerId }: CheckoutPlan,
  input: BillingCheckoutRequest,
): Promise<string> {
  const customer = await customerFor(db, config, caller, customerId);
  const metadata = { orgId: caller.orgId, planId: plan.id };
  const session = await askStripe('starting Checkout', () =>
    stripeClient(config).checkout.sessions.create({
      mode: 'subscription',
      customer,
      client_reference_id: caller.orgId,
      // A metered price has no quantity: Stripe bills what the meter counted.
      line_items: [
        plan.meter_event_name
          ? { price: plan.stripe_price_id }
          : { price: plan.stripe_price_id, quantity: 1 },
      ],
      success_url: input.successUrl,
      cancel_url: input.cancelUrl,
      metadata,
      subscription_data: { metadata },
    }),
  );
  if (!session.url) throw new ApiError('upstream_error', 'Stripe returned a Checkout Session without a URL');
  return session.url;
}

/** The organisation's Stripe customer, for the portal; 409 before its first Checkout. */
export async function portalCustomer(tx: Queryable): Promise<string> {
  const account = await readAccount(tx);
  if (!account?.stripe_customer_id) {
    throw new ApiError(
      'conflict',
      'The organisation has no Stripe customer yet: subscribe first (POST /billing/checkout)',
    );
  }
  return account.stripe_customer_id;
}

/** A Customer Portal session for the customer (plan, payment method, cancelling, invoices). */
export async function openPortal(
  config: BillingConfig,
  customer: string,
  input: BillingPortalRequest,
): Promise<string> {
  const session = await askStripe('opening the portal', () =>
    stripeClient(config).billingPortal.sessions.create({ customer, return_url: input.returnUrl }),
  );
  return session.url;
}
