// client.webhooks: signed outbound webhook endpoints, their secrets, delivery log and replays (owners, admins,
// secret keys). Receivers verify with the `standardwebhooks` library: docs/webhooks.md.
import {
  page,
  type WebhookDeliveryListQuery,
  type WebhookEndpointCreate,
  type WebhookEndpointUpdate,
  type WebhookSecretRotate,
  webhookDelivery,
  webhookEndpoint,
  webhookEndpointWithSecret,
} from '@closer/contract';
import type { Http } from '../core/http.ts';
import { list, type RequestOptions } from './shared.ts';

const path = (id: string) => `/webhooks/${encodeURIComponent(id)}`;

export function webhooksResource(http: Http) {
  return {
    /** The organisation's endpoints (one page holds them all: at most 20). */
    list: (options: RequestOptions = {}) => http.request('GET', '/webhooks', page(webhookEndpoint), options),
    /**
     * Adds an endpoint; resolves it with its signing `secret` (`whsec_…`), which is never shown again.
     * @throws ValidationError for a URL that is not https or not public (see ALLOW_PRIVATE_WEBHOOKS)
     * @throws ConflictError past 20 endpoints
     */
    create: (body: WebhookEndpointCreate, options: RequestOptions = {}) =>
      http.request('POST', '/webhooks', webhookEndpointWithSecret, { body, ...options }),
    retrieve: (id: string, options: RequestOptions = {}) =>
      http.request('GET', path(id), webhookEndpoint, options),
    /** URL, events, description, or `enabled` (enabling clears `disabledReason`). */
    update: (id: string, body: WebhookEndpointUpdate, options: RequestOptions = {}) =>
      http.request('PATCH', path(id), webhookEndpoint, { body, ...options }),
    /** Deletes the endpoint with its delivery log. */
    delete: (id: string, options: RequestOptions = {}) => http.request('DELETE', path(id), null, options),
    /**
     * A new signing secret, resolved once; the previous ones keep signing beside it for `overlapSeconds`
     * (default 24 hours), so the receiver can switch without missing an event.
     */
    rotateSecret: (id: string, body: WebhookSecretRotate = {}, options: RequestOptions = {}) =>
      http.request('POST', `${path(id)}/rotate-secret`, webhookEndpointWithSecret, { body, ...options }),
    deliveries: {
      /** The endpoint's delivery log, newest first: a page, and an async iterable over every delivery. */
      list: (id: string, params: WebhookDeliveryListQuery = {}, options: RequestOptions = {}) =>
        list(http, `${path(id)}/deliveries`, page(webhookDelivery), params, options),
      /**
       * Sends a delivery again with the same `webhook-id`; resolves it, `pending`.
       * @throws ConflictError while the endpoint is disabled
       */
      replay: (id: string, deliveryId: string, options: RequestOptions = {}) =>
        http.request(
          'POST',
          `${path(id)}/deliveries/${encodeURIComponent(deliveryId)}/replay`,
          webhookDelivery,
          options,
        ),
    },
  };
}
