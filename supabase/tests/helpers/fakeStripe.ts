// A stand-in for Stripe's API (docs.stripe.com/api), as msw handlers: form-encoded requests with bracketed keys,
// JSON objects back, Stripe's error shape for what it refuses; and webhook events built and signed as Stripe
// sends them (the library's own test-header helper).
import { stripeClient } from '@closer/functions/_shared/billing/stripe.ts';
import { HttpResponse, http } from 'msw';

export const STRIPE_ENV = {
  STRIPE_SECRET_KEY: 'sk_test_51Closer0000000000000000000000',
  STRIPE_WEBHOOK_SECRET: 'whsec_test_closer_0000000000000000000000',
  CLOSER_WORKER_SECRET: 'worker-secret-for-billing-tests',
};

const API = 'https://api.stripe.com';
let sequence = 0;
const stripeId = (prefix: string) => `${prefix}_test${String(++sequence).padStart(14, '0')}`;

/** Stripe's error envelope (docs.stripe.com/api/errors). */
const stripeError = (status: number, type: string, message: string, param?: string) =>
  HttpResponse.json({ error: { type, message, ...(param ? { param } : {}) } }, { status });

export interface StripeCall {
  path: string;
  /** The form body, bracketed keys kept as sent: `line_items[0][price]`. */
  form: Record<string, string>;
  idempotencyKey: string | null;
}

export class FakeStripe {
  calls: StripeCall[] = [];
  /** Price ids the account has; others are refused as Stripe does. */
  prices = new Set<string>();
  meterEvents: { event_name: string; identifier: string; customer: string; value: string }[] = [];
  /** Identifiers Stripe has seen: a repeated meter event is accepted and not counted again. */
  private identifiers = new Set<string>();

  constructor(prices: string[]) {
    for (const price of prices) this.prices.add(price);
  }

  callsTo(path: string): StripeCall[] {
    return this.calls.filter((call) => call.path === path);
  }

  private async read(request: Request, path: string): Promise<StripeCall | Response> {
    if (request.headers.get('authorization') !== `Bearer ${STRIPE_ENV.STRIPE_SECRET_KEY}`) {
      return stripeError(401, 'invalid_request_error', 'Invalid API Key provided');
    }
    if (!(request.headers.get('content-type') ?? '').startsWith('application/x-www-form-urlencoded')) {
      return stripeError(400, 'invalid_request_error', 'Requests must be form-encoded');
    }
    const form = Object.fromEntries(new URLSearchParams(await request.text()));
    const call = { path, form, idempotencyKey: request.headers.get('idempotency-key') };
    this.calls.push(call);
    return call;
  }

  get handlers() {
    return [
      http.post(`${API}/v1/customers`, async ({ request }) => {
        const call = await this.read(request, '/v1/customers');
        if (call instanceof Response) return call;
        return HttpResponse.json({
          id: stripeId('cus'),
          object: 'customer',
          name: call.form.name ?? null,
          email: call.form.email ?? null,
          metadata: { orgId: call.form['metadata[orgId]'] },
          livemode: false,
          created: Math.floor(Date.now() / 1000),
        });
      }),
      http.post(`${API}/v1/checkout/sessions`, async ({ request }) => {
        const call = await this.read(request, '/v1/checkout/sessions');
        if (call instanceof Response) return call;
        const price = call.form['line_items[0][price]'];
        if (!price || !this.prices.has(price)) {
          return stripeError(
            400,
            'invalid_request_error',
            `No such price: '${price}'`,
            'line_items[0][price]',
          );
        }
        const id = stripeId('cs');
        return HttpResponse.json({
          id,
          object: 'checkout.session',
          mode: call.form.mode,
          customer: call.form.customer,
          client_reference_id: call.form.client_reference_id,
          metadata: { orgId: call.form['metadata[orgId]'], planId: call.form['metadata[planId]'] },
          status: 'open',
          payment_status: 'unpaid',
          subscription: null,
          success_url: call.form.success_url,
          cancel_url: call.form.cancel_url,
          url: `https://checkout.stripe.com/c/pay/${id}`,
          livemode: false,
        });
      }),
      http.post(`${API}/v1/billing_portal/sessions`, async ({ request }) => {
        const call = await this.read(request, '/v1/billing_portal/sessions');
        if (call instanceof Response) return call;
        return HttpResponse.json({
          id: stripeId('bps'),
          object: 'billing_portal.session',
          customer: call.form.customer,
          return_url: call.form.return_url,
          url: `https://billing.stripe.com/p/session/${stripeId('test')}`,
          livemode: false,
        });
      }),
      http.post(`${API}/v1/billing/meter_events`, async ({ request }) => {
        const call = await this.read(request, '/v1/billing/meter_events');
        if (call instanceof Response) return call;
        const event = {
          event_name: call.form.event_name!,
          identifier: call.form.identifier!,
          customer: call.form['payload[stripe_customer_id]']!,
          value: call.form['payload[value]']!,
        };
        if (!this.identifiers.has(event.identifier)) {
          this.identifiers.add(event.identifier);
          this.meterEvents.push(event);
        }
        return HttpResponse.json({
          object: 'billing.meter_event',
          created: Math.floor(Date.now() / 1000),
          event_name: event.event_name,
          identifier: event.identifier,
          livemode: false,
          payload: { stripe_customer_id: event.customer, value: event.value },
          timestamp: Math.floor(Date.now() / 1000),
        });
      }),
    ];
  }
}

/** A webhook event as Stripe delivers it (docs.stripe.com/api/events/object). */
export function stripeEvent(type: string, object: Record<string, unknown>, created: number) {
  return {
    id: stripeId('evt'),
    object: 'event',
    api_version: '2026-10-28.endive',
    created,
    data: { object },
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    type,
  };
}

/** A subscription object with its one item's price and period (periods sit on items since 2025-03-31). */
export function subscription(fields: {
  id: string;
  customer: string;
  status: string;
  price: string;
  orgId?: string;
  periodStart: number;
  cancelAtPeriodEnd?: boolean;
}) {
  const periodEnd = fields.periodStart + 30 * 86_400;
  return {
    id: fields.id,
    object: 'subscription',
    customer: fields.customer,
    status: fields.status,
    cancel_at_period_end: fields.cancelAtPeriodEnd ?? false,
    metadata: fields.orgId ? { orgId: fields.orgId } : {},
    items: {
      object: 'list',
      data: [
        {
          id: `si_${fields.id}`,
          object: 'subscription_item',
          price: { id: fields.price, object: 'price' },
          current_period_start: fields.periodStart,
          current_period_end: periodEnd,
        },
      ],
    },
    livemode: false,
  };
}

/** The body and its `Stripe-Signature` as Stripe signs them, with `secret` (the endpoint's by default). */
export function signed(event: unknown, secret = STRIPE_ENV.STRIPE_WEBHOOK_SECRET) {
  const payload = JSON.stringify(event);
  const header = stripeClient({
    secretKey: STRIPE_ENV.STRIPE_SECRET_KEY,
    webhookSecret: secret,
    graceDays: 7,
  }).webhooks.generateTestHeaderString({ payload, secret });
  return { payload, header };
}
