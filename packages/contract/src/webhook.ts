// Outbound webhooks: an organisation's endpoints, the events they receive, and the log of deliveries.
// Bodies follow the Standard Webhooks specification: `{ type, timestamp, data }`, signed in `webhook-signature`.
import * as z from 'zod/mini';
import { id, timestamp } from './common.ts';
import { conversation, lead, message } from './conversation.ts';

/**
 * Every event an endpoint can subscribe to. `message.created` is sent only to endpoints that list it (every
 * message of every conversation is many requests).
 */
export const webhookEventTypes = [
  'conversation.started',
  'conversation.handoff_requested',
  'conversation.closed',
  'lead.created',
  'lead.updated',
  'lead.crm_synced',
  'lead.crm_failed',
  'meeting.booked',
  'message.created',
] as const;
export const webhookEventType = z.enum(webhookEventTypes);
export type WebhookEventType = (typeof webhookEventTypes)[number];

/** What each event carries in `data`: the resource as the API answers it. */
export const webhookEventData = {
  'conversation.started': conversation,
  /** The conversation, and why a person was asked for (the visitor's words, a rule, an operator). */
  'conversation.handoff_requested': z.extend(conversation, { reason: z.nullable(z.string()) }),
  'conversation.closed': conversation,
  'lead.created': lead,
  'lead.updated': lead,
  'lead.crm_synced': lead,
  'lead.crm_failed': lead,
  /** The lead with its `meeting` (docs/sales-skills.md). */
  'meeting.booked': lead,
  'message.created': message,
} as const satisfies Record<WebhookEventType, z.ZodMiniType>;
export type WebhookEventData<T extends WebhookEventType> = z.infer<(typeof webhookEventData)[T]>;

/** The body of every webhook request: what the receiver verifies, then parses. */
export interface WebhookEvent<T extends WebhookEventType = WebhookEventType> {
  type: T;
  /** When the event happened (ISO 8601, UTC). */
  timestamp: string;
  data: WebhookEventData<T>;
}

export const webhookEndpoint = z.object({
  id,
  /** Where events are POSTed: https (http only in local development). */
  url: z.string(),
  description: z.string(),
  eventTypes: z.array(webhookEventType),
  enabled: z.boolean(),
  /** Why the endpoint was turned off (by the worker after failing for a day, or by a person); null when on. */
  disabledReason: z.nullable(z.string()),
  /** When an earlier secret stops signing after a rotation; null when one secret signs. */
  previousSecretExpiresAt: z.nullable(timestamp),
  lastSuccessAt: z.nullable(timestamp),
  createdAt: timestamp,
  updatedAt: timestamp,
});
export type WebhookEndpoint = z.infer<typeof webhookEndpoint>;

/** An endpoint as created, or after its secret was rotated: the only time `secret` (`whsec_…`) is shown. */
export const webhookEndpointWithSecret = z.extend(webhookEndpoint, {
  secret: z.string().check(z.startsWith('whsec_')),
});
export type WebhookEndpointWithSecret = z.infer<typeof webhookEndpointWithSecret>;

export const webhookAttempt = z.object({
  id,
  /** The receiver's HTTP status; null when none came (refused address, timeout, connection error). */
  statusCode: z.nullable(z.number()),
  /** From sending the request to the end of the answer (or the failure), in milliseconds. */
  latencyMs: z.number(),
  /** The start of the answer's body (at most 1000 characters). */
  responseExcerpt: z.string(),
  error: z.nullable(z.string()),
  succeeded: z.boolean(),
  createdAt: timestamp,
});
export type WebhookAttempt = z.infer<typeof webhookAttempt>;

export const webhookDeliveryStatus = z.enum(['pending', 'succeeded', 'failed']);

/** One event sent to one endpoint, with its latest attempts (newest first, at most 10). */
export const webhookDelivery = z.object({
  id,
  endpointId: id,
  /** The `webhook-id` header: the same on every retry and replay, so receivers de-duplicate on it. */
  eventId: z.string(),
  eventType: webhookEventType,
  status: webhookDeliveryStatus,
  attempts: z.number(),
  /** When the next retry is due; null when none is waiting. */
  nextAttemptAt: z.nullable(timestamp),
  /** The signed body as sent. */
  payload: z.string(),
  recentAttempts: z.array(webhookAttempt),
  createdAt: timestamp,
});
export type WebhookDelivery = z.infer<typeof webhookDelivery>;
