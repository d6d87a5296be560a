// The boundary for domain events: a module that changed something tells the organisation's other systems by
// publishing an event in the transaction of the change. Publishing writes one signed-webhook delivery (and its
// outbox job) per enabled endpoint subscribed to the event, or nothing when none is; the worker sends them
// (`_shared/webhooks/worker.ts`). Modules never touch the webhook tables themselves.
import type { WebhookEventData, WebhookEventType } from '@closer/contract';
import type { Statement } from '../db/pipeline.ts';
import type { Queryable } from '../db/types.ts';

export interface DomainEvent<T extends WebhookEventType = WebhookEventType> {
  /** The organisation the event belongs to: the transaction's own (anything else is refused). */
  orgId: string;
  type: T;
  /** The resource as the API answers it (`@closer/contract`'s `webhookEventData[type]`). */
  data: WebhookEventData<T>;
}

/** A new event id, the `webhook-id` header: `msg_` and 32 hex digits. */
export const newEventId = () => `msg_${crypto.randomUUID().replaceAll('-', '')}`;

/** The event as one statement, for callers that send a transaction's statements together (chat turns). */
export function publishEventStatement<T extends WebhookEventType>(event: DomainEvent<T>): Statement {
  // The body is written once, here, in the Standard Webhooks order; it is signed and sent byte for byte.
  const body = JSON.stringify({ type: event.type, timestamp: new Date().toISOString(), data: event.data });
  return {
    text: 'select public.publish_event($1, $2, $3, $4) as queued',
    params: [event.orgId, newEventId(), event.type, body],
  };
}

/** Publishes `event` in `tx`; answers how many endpoints will receive it. */
export async function publishEvent<T extends WebhookEventType>(
  tx: Queryable,
  event: DomainEvent<T>,
): Promise<number> {
  const statement = publishEventStatement(event);
  const [row] = await tx.query<{ queued: number }>(statement.text, statement.params);
  return row?.queued ?? 0;
}
