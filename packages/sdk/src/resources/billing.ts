// client.billing: the plan, this period's usage, and the Stripe pages to subscribe or manage (owners, admins,
// secret keys). Only on deployments that bill (STRIPE_SECRET_KEY set); elsewhere every call throws NotFoundError.
import {
  type BillingCheckoutRequest,
  type BillingPortalRequest,
  billingPlan,
  billingRedirect,
  billingUsage,
  page,
} from '@closer/contract';
import type { Http } from '../core/http.ts';
import type { RequestOptions } from './shared.ts';

export function billingResource(http: Http) {
  return {
    /** The deployment's plans with their limits (`null`: unlimited). */
    plans: (options: RequestOptions = {}) =>
      http.request('GET', '/billing/plans', page(billingPlan), options),
    /** The plan in force, this billing period's meters (used / allowance), the subscription and warnings. */
    usage: (options: RequestOptions = {}) => http.request('GET', '/billing/usage', billingUsage, options),
    /**
     * A Stripe Checkout page subscribing the organisation to `planId`; send the admin to `url`.
     * @throws ConflictError while a subscription is in force (use `portal`)
     */
    checkout: (body: BillingCheckoutRequest, options: RequestOptions = {}) =>
      http.request('POST', '/billing/checkout', billingRedirect, { body, ...options }),
    /**
     * Stripe's Customer Portal: change plan or payment method, cancel, read and pay invoices.
     * @throws ConflictError before the first subscription
     */
    portal: (body: BillingPortalRequest, options: RequestOptions = {}) =>
      http.request('POST', '/billing/portal', billingRedirect, { body, ...options }),
  };
}
