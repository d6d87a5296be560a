// Shapes only Stripe and the scheduler see (webhook deliveries, the worker's report), for the API description;
// Closer's own wire shapes live in @closer/contract.
import type { JsonSchema } from '../_shared/http/route.ts';

/** A Stripe Event object (docs.stripe.com/api/events/object), signed in the `Stripe-Signature` header. */
export const stripeEvent: JsonSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    object: { const: 'event' },
    type: { type: 'string' },
    created: { type: 'integer', description: 'seconds since the epoch' },
    data: { type: 'object', properties: { object: { type: 'object' } } },
  },
  required: ['id', 'type', 'created', 'data'],
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
