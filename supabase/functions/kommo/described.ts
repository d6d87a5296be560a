// Shapes that only Kommo and the scheduler see (Kommo's redirect and deliveries, the worker's report), for the
// API description; Closer's own wire shapes live in @closer/contract.
import * as z from 'zod/mini';
import type { JsonSchema } from '../_shared/http/route.ts';

const count = { type: 'integer', minimum: 0 };

/** What Kommo appends to the redirect URI (developers.kommo.com/docs/oauth-20); read by `completeOauth`. */
export const oauthCallbackQuery = z.looseObject({
  code: z.optional(z.string()),
  state: z.optional(z.string()),
  referer: z.optional(z.string()),
  client_id: z.optional(z.string()),
  from_widget: z.optional(z.string()),
  error: z.optional(z.string()),
});

/** Kommo's form-encoded webhook body: bracketed keys, every value a string. */
export const webhookForm: JsonSchema = {
  type: 'object',
  description: 'e.g. leads[status][0][id]=…&leads[status][0][status_id]=…&account[subdomain]=…',
  additionalProperties: { type: 'string' },
};

export const webhookReceipt: JsonSchema = {
  type: 'object',
  properties: {
    received: { const: true },
    duplicate: { type: 'boolean', description: 'the same body was received before' },
    moved: { ...count, description: 'leads whose stage changed' },
    deleted: { ...count, description: 'leads Kommo deleted' },
    ignored: { type: 'string', description: 'why a delivery changed nothing (e.g. another account)' },
  },
  required: ['received'],
};

export const workerReport: JsonSchema = {
  type: 'object',
  properties: { claimed: count, synced: count, retrying: count, failed: count },
  required: ['claimed', 'synced', 'retrying', 'failed'],
};

/** The acknowledgement of a Salesbot request (the reply follows through `return_url`). */
export const salesbotAck: JsonSchema = {
  type: 'object',
  properties: {
    received: { const: true },
    duplicate: { type: 'boolean', description: 'this message was received before and is answered once' },
  },
  required: ['received', 'duplicate'],
};
