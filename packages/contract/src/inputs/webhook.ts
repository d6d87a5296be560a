// Requests that create, change or rotate a webhook endpoint, and list its deliveries.
import * as z from 'zod/mini';
import { int, storable, text } from '../common.ts';
import { webhookDeliveryStatus, webhookEventType } from '../webhook.ts';
import { listQuery } from './list.ts';

const endpointUrl = z
  .url({ protocol: /^https?$/, error: 'must be an https URL' })
  .check(z.maxLength(2000), storable);
const eventTypes = z.array(webhookEventType).check(z.minLength(1), z.maxLength(20));

/** `POST /webhooks`: an endpoint; its secret is made by the server and answered once. */
export const webhookEndpointCreate = z.strictObject({
  url: endpointUrl,
  eventTypes,
  description: z.optional(text(0, 500)),
  /** Default true. */
  enabled: z.optional(z.boolean()),
});
export type WebhookEndpointCreate = z.input<typeof webhookEndpointCreate>;

/** `PATCH /webhooks/:id`: any of the fields; enabling clears the reason it was disabled. */
export const webhookEndpointUpdate = z.strictObject({
  url: z.optional(endpointUrl),
  eventTypes: z.optional(eventTypes),
  description: z.optional(text(0, 500)),
  enabled: z.optional(z.boolean()),
});
export type WebhookEndpointUpdate = z.input<typeof webhookEndpointUpdate>;

/** `POST /webhooks/:id/rotate-secret`: how long the old secret keeps signing beside the new one. */
export const webhookSecretRotate = z.strictObject({
  /** Seconds, 0 (stop at once) to 7 days; default 24 hours. */
  overlapSeconds: z.optional(int(0, 7 * 24 * 3600)),
});
export type WebhookSecretRotate = z.input<typeof webhookSecretRotate>;

/** `GET /webhooks/:id/deliveries`: newest first, optionally of one status. */
export const webhookDeliveryListQuery = z.extend(listQuery, {
  status: z.optional(webhookDeliveryStatus),
});
export type WebhookDeliveryListQuery = z.input<typeof webhookDeliveryListQuery>;
