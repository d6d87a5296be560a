// Shapes only Stripe and the scheduler see (webhook deliveries, the worker's report), for the API description;
// Closer's own wire shapes live in @closer/contract.
import type { JsonSchema } from '../_shared/http/route.ts';

/**
 * A Stripe Event object (docs.stripe.com/api/events/object: `id`, `type`, `created`, `data.object`), as Stripe
 * sends it: `application/json; charset=utf-8`, signed in the `Stripe-Signature` header. Read as raw text, since
 * the signature covers the exact bytes.
 */
export const stripeEvent: JsonSchema = {
  type: 'object',
  description: 'A Stripe Event object, unchanged: the signature covers its exact bytes',
};

export const webhookReceipt: JsonSchema = {
  type: 'object',
  properties: {
    received: { const: true },
    applied: { type: 'boolean' },
    reason: {
      enum: ['duplicate', 'ignored', 'unknown_customer', 'stale'],
      description: 'why the event changed nothing',
    },
  },
  required: ['received', 'applied'],
};

const count = { type: 'integer', minimum: 0 };

export const meterReport: JsonSchema = {
  type: 'object',
  properties: { reported: count, failed: count },
  required: ['reported', 'failed'],
};
