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
    /**
     * The deployment's plans with their limits (`null`: unlimited), in the deployment's order; one page.
     * @throws NotFoundError when the deployment does not bill (no `STRIPE_SECRET_KEY`)
     * @throws PermissionError for a member who is not an owner or admin
     */
    plans: (options: RequestOptions = {}) =>
      http.request('GET', '/billing/plans', page(billingPlan), options),
    /**
     * The plan in force, this billing period's meters (`used` / `allowance`; `knowledgeBytes` in UTF-8 bytes,
     * `messages` in model replies this period), the subscription as Stripe last reported it, and warnings.
     * @throws NotFoundError when the deployment does not bill
     * @throws PermissionError for a member who is not an owner or admin
     */
    usage: (options: RequestOptions = {}) => http.request('GET', '/billing/usage', billingUsage, options),
    /**
     * A Stripe Checkout page subscribing the organisation to `planId`; send the admin to `url`. Stripe sends them
     * back to `successUrl` or `cancelUrl` (http(s), up to 2,000 characters); the plan changes when Stripe's
     * webhook arrives, not on return.
     * @throws NotFoundError for an unknown plan, or when the deployment does not bill
     * @throws ConflictError for the free plan, or while a subscription is in force (use `portal`)
     * @throws ApiError 502 `upstream_error` when Stripe refuses (e.g. a price it does not have) or cannot be reached
     */
    checkout: (body: BillingCheckoutRequest, options: RequestOptions = {}) =>
      http.request('POST', '/billing/checkout', billingRedirect, { body, ...options }),
    /**
     * Stripe's Customer Portal: change plan or payment method, cancel, read and pay invoices; its "return" link
     * leads to `returnUrl`.
     * @throws ConflictError before the first Checkout (no Stripe customer yet)
     * @throws ApiError 502 `upstream_error` when Stripe refuses or cannot be reached
     */
    portal: (body: BillingPortalRequest, options: RequestOptions = {}) =>
      http.request('POST', '/billing/portal', billingRedirect, { body, ...options }),
  };
}
