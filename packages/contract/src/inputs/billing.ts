// Requests of the billing routes: starting a Checkout for a plan, opening the Customer Portal.
import * as z from 'zod/mini';
import { storableString } from '../common.ts';

const returnUrl = storableString().check(
  z.maxLength(2000),
  z.refine((value) => /^https?:\/\//.test(value) && URL.canParse(value), 'must be an http(s) URL'),
);

/** `POST /billing/checkout`: the plan to subscribe to and where Stripe sends the admin back. */
export const billingCheckoutRequest = z.strictObject({
  planId: storableString().check(z.minLength(1), z.maxLength(40)),
  successUrl: returnUrl,
  cancelUrl: returnUrl,
});
export type BillingCheckoutRequest = z.input<typeof billingCheckoutRequest>;

/** `POST /billing/portal`: where the Customer Portal's "return" link leads. */
export const billingPortalRequest = z.strictObject({ returnUrl });
export type BillingPortalRequest = z.input<typeof billingPortalRequest>;
