// Plans, usage and subscription of an organisation on a deployment that bills (docs/billing.md).
import * as z from 'zod/mini';
import { timestamp } from './common.ts';

/**
 * What a plan limits. `agents`, `members`: how many exist; `messages`: model replies per billing period;
 * `knowledgeBytes`: UTF-8 bytes of knowledge text (items, sources' items and articles); `kommo`: the Kommo channel.
 */
export const billingLimit = z.enum(['agents', 'messages', 'knowledgeBytes', 'members', 'kommo']);
export type BillingLimit = z.infer<typeof billingLimit>;

/**
 * What a chat over the message allowance gets: `offline` — the offline responder answers from the agent's own
 * knowledge; `unavailable` — visitors get a polite 503 `unavailable`; `metered` — the reply, billed by usage.
 */
export const overAllowance = z.enum(['offline', 'unavailable', 'metered']);
export type OverAllowance = z.infer<typeof overAllowance>;

/** A plan of the deployment; a numeric limit of `null` is unlimited. */
export const billingPlan = z.object({
  id: z.string(),
  name: z.string(),
  limits: z.object({
    agents: z.nullable(z.int()),
    messages: z.nullable(z.int()),
    knowledgeBytes: z.nullable(z.number()),
    members: z.nullable(z.int()),
    kommo: z.boolean(),
  }),
  overAllowance,
  /** Replies are reported to a Stripe Billing Meter. */
  usageBased: z.boolean(),
  /** Can be subscribed to through Checkout (false for the free plan). */
  purchasable: z.boolean(),
});
export type BillingPlan = z.infer<typeof billingPlan>;

/** One meter: how much of a limit is used now (this period, for `messages`). */
export const billingMeter = z.object({
  limit: billingLimit,
  used: z.number(),
  /** `null`: unlimited. */
  allowance: z.nullable(z.number()),
});
export type BillingMeter = z.infer<typeof billingMeter>;

/** Something the organisation's admins should act on. */
export const billingWarning = z.object({
  code: z.enum(['over_allowance', 'payment_failed', 'canceled']),
  message: z.string(),
});
export type BillingWarning = z.infer<typeof billingWarning>;

/** The subscription as Stripe last reported it. `status` is Stripe's (`active`, `past_due`, `canceled`, …). */
export const billingSubscription = z.object({
  status: z.string(),
  planId: z.string(),
  currentPeriodEnd: z.nullable(timestamp),
  cancelAtPeriodEnd: z.boolean(),
  /** After a failed payment: the paid plan holds until then. */
  graceUntil: z.nullable(timestamp),
});
export type BillingSubscription = z.infer<typeof billingSubscription>;

/** `GET /billing/usage`: the plan in force, the current period's meters, the subscription and warnings. */
export const billingUsage = z.object({
  plan: billingPlan,
  period: z.object({ start: timestamp, end: timestamp }),
  meters: z.array(billingMeter),
  subscription: z.nullable(billingSubscription),
  warnings: z.array(billingWarning),
});
export type BillingUsage = z.infer<typeof billingUsage>;

/** A Stripe-hosted page to send the admin to (Checkout or the Customer Portal). */
export const billingRedirect = z.object({ url: z.string() });
export type BillingRedirect = z.infer<typeof billingRedirect>;
