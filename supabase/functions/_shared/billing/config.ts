// Whether this deployment bills, and with what: billing is off unless STRIPE_SECRET_KEY is set (docs/billing.md).
import type { Env } from '../env.ts';

export interface BillingConfig {
  /** Stripe's secret key (`sk_test_…` in test mode, `sk_live_…`, or a restricted `rk_…` key). */
  secretKey: string;
  /** The webhook endpoint's signing secret (`whsec_…`); without it webhooks answer 503. */
  webhookSecret: string | null;
  /** Days a paid plan holds after a failed payment (CLOSER_BILLING_GRACE_DAYS, default 7). */
  graceDays: number;
}

/** The billing settings, or null when billing is off (no STRIPE_SECRET_KEY). */
export function billingConfigFromEnv(env: Env): BillingConfig | null {
  const secretKey = env.STRIPE_SECRET_KEY?.trim();
  if (!secretKey) return null;
  const grace = Number(env.CLOSER_BILLING_GRACE_DAYS);
  return {
    secretKey,
    webhookSecret: env.STRIPE_WEBHOOK_SECRET?.trim() || null,
    graceDays: Number.isFinite(grace) && grace >= 0 && grace <= 90 ? grace : 7,
  };
}

export const billingEnabled = (env: Env): boolean => billingConfigFromEnv(env) !== null;
