// The organisation's webhook endpoints and their signing secrets (sealed: sealedSecrets.ts), read and written in
// the caller's tenant transaction (RLS admits owners, admins, secret keys and the worker).
import type {
  WebhookDelivery,
  WebhookEndpoint,
  WebhookEndpointCreate,
  WebhookEndpointUpdate,
  WebhookEventType,
} from '@closer/contract';
import type { Queryable, Row } from '../db/types.ts';
import { ApiError, notFound } from '../http/errors.ts';
import { enqueueJob } from '../outbox/jobs.ts';
import { iso, isoOrNull } from '../resources/time.ts';
import type { SealingKeys } from '../secrets/encryptionKey.ts';
import { addSigningSecret } from './sealedSecrets.ts';

export const WEBHOOK_DELIVERY_JOB = 'webhooks.deliver';
/** An organisation has at most this many endpoints. */
export const MAX_ENDPOINTS = 20;
/** How long a rotated-out secret keeps signing, by default (24 hours). */
export const DEFAULT_OVERLAP_SECONDS = 24 * 3600;

const ENDPOINT_COLUMNS = `e.*, (select max(s.expires_at) from public.webhook_secrets s
  where s.endpoint_id = e.id and s.expires_at > now()) as previous_secret_expires_at`;

export function endpointFromRow(row: Row): WebhookEndpoint {
  return {
    id: row.id as string,
    url: row.url as string,
    description: row.description as string,
    eventTypes: row.event_types as WebhookEventType[],
    enabled: row.enabled as boolean,
    disabledReason: (row.disabled_reason as string | null) ?? null,
    previousSecretExpiresAt: isoOrNull(row.previous_secret_expires_at),
    lastSuccessAt: isoOrNull(row.last_success_at),
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
  };
}

export async function listEndpoints(tx: Queryable): Promise<WebhookEndpoint[]> {
  const rows = await tx.query(
    `select ${ENDPOINT_COLUMNS} from public.webhook_endpoints e order by e.created_at desc, e.id desc`,
  );
  return rows.map(endpointFromRow);
}

export async function readEndpoint(tx: Queryable, endpointId: string): Promise<WebhookEndpoint> {
  const [row] = await tx.query(`select ${ENDPOINT_COLUMNS} from public.webhook_endpoints e where e.id = $1`, [
    endpointId,
  ]);
  if (!row) throw notFound('Webhook endpoint');
  return endpointFromRow(row);
}

/**
 * Creates an endpoint with a fresh secret, stored sealed under `key` (signingSecretKey); answers both (the secret
 * is never shown again).
 */
export async function createEndpoint(
  tx: Queryable,
  key: SealingKeys,
  orgId: string,
  input: WebhookEndpointCreate,
): Promise<{ endpoint: WebhookEndpoint; secret: string }> {
  // The organisation's row is locked first, so two creations at once cannot both pass the limit.
  await tx.query('select id from public.organizations where id = $1 for update', [orgId]);
  const [{ count } = { count: 0 }] = await tx.query<{ count: number }>(
    'select count(*)::int as count from public.webhook_endpoints',
  );
  if (count >= MAX_ENDPOINTS) {
    throw new ApiError('conflict', `An organization has at most ${MAX_ENDPOINTS} webhook endpoints`);
  }
  const [row] = await tx.query<{ id: string }>(
    `insert into public.webhook_endpoints (org_id, url, description, event_types, enabled)
     values ($1, $2, $3, $4::text[], $5) returning id`,
    [orgId, input.url, input.description ?? '', [...new Set(input.eventTypes)], input.enabled ?? true],
  );
  const secret = await addSigningSecret(tx, key, orgId, row!.id);
  return { endpoint: await readEndpoint(tx, row!.id), secret };
}

export async function updateEndpoint(
  tx: Queryable,
  endpointId: string,
  patch: WebhookEndpointUpdate,
): Promise<WebhookEndpoint> {
  const [row] = await tx.query<{ id: string }>(
    `update public.webhook_endpoints set
       url = coalesce($2, url),
       event_types = coalesce($3::text[], event_types),
       description = coalesce($4, description),
       enabled = coalesce($5, enabled),
       disabled_reason = case when $5 is true then null
                              when $5 is false and enabled then 'Disabled by a person' else disabled_reason end
     where id = $1 returning id`,
    [
      endpointId,
      patch.url ?? null,
      patch.eventTypes ? [...new Set(patch.eventTypes)] : null,
      patch.description ?? null,
      patch.enabled ?? null,
    ],
  );
  if (!row) throw notFound('Webhook endpoint');
  return readEndpoint(tx, endpointId);
}

export async function deleteEndpoint(tx: Queryable, endpointId: string): Promise<void> {
  // Its deliveries go with it (cascade); their queued jobs find nothing and end.
  const rows = await tx.query('delete from public.webhook_endpoints where id = $1 returning id', [
    endpointId,
  ]);
  if (rows.length === 0) throw notFound('Webhook endpoint');
}

/**
 * Makes a new current secret; the secrets signing until now keep signing for `overlapSeconds` more (at most),
 * so receivers can switch without missing an event. Secrets past their overlap are removed. The new one is
 * stored sealed under `key`, like every other.
 */
export async function rotateSecret(
  tx: Queryable,
  key: SealingKeys,
  orgId: string,
  endpointId: string,
  overlapSeconds: number,
): Promise<{ endpoint: WebhookEndpoint; secret: string }> {
  const [found] = await tx.query('select id from public.webhook_endpoints where id = $1 for update', [
    endpointId,
  ]);
  if (!found) throw notFound('Webhook endpoint');
  await tx.query(
    `update public.webhook_secrets
     set expires_at = least(coalesce(expires_at, 'infinity'), now() + make_interval(secs => $2))
     where endpoint_id = $1`,
    [endpointId, overlapSeconds],
  );
  await tx.query('delete from public.webhook_secrets where endpoint_id = $1 and expires_at <= now()', [
    endpointId,
  ]);
  const secret = await addSigningSecret(tx, key, orgId, endpointId);
  return { endpoint: await readEndpoint(tx, endpointId), secret };
}

const ATTEMPTS_SHOWN = 10;

function deliveryFromRow(row: Row): WebhookDelivery {
  const attempts = (row.recent_attempts as Row[] | null) ?? [];
  return {
    id: row.id as string,
    endpointId: row.endpoint_id as string,
    eventId: row.event_id as string,
    eventType: row.event_type as WebhookEventType,
    status: row.status as WebhookDelivery['status'],
    attempts: row.attempts as number,
    nextAttemptAt: isoOrNull(row.next_attempt_at),
    payload: row.body as string,
    recentAttempts: attempts.map((a) => ({
      id: a.id as string,
      statusCode: (a.status_code as number | null) ?? null,
      latencyMs: a.latency_ms as number,
      responseExcerpt: a.response_excerpt as string,
      error: (a.error as string | null) ?? null,
      succeeded: a.succeeded as boolean,
      createdAt: iso(a.created_at),
    })),
    createdAt: iso(row.created_at),
  };
}

/** The `from` of the delivery log's list (listPage): deliveries with their latest attempts. */
export const DELIVERY_LIST_FROM = `select t.*, (
    select coalesce(jsonb_agg(a order by a.created_at desc), '[]'::jsonb) from (
      select id, status_code, latency_ms, response_excerpt, error, succeeded, created_at
      from public.webhook_attempts where delivery_id = t.id order by created_at desc limit ${ATTEMPTS_SHOWN}) a
  ) as recent_attempts
  from public.webhook_deliveries t`;
export { deliveryFromRow };

/**
 * Sends a delivery again, with the same `webhook-id` (receivers that saw it de-duplicate): its retries start
 * over. 409 while the endpoint is disabled.
 */
export async function replayDelivery(
  tx: Queryable,
  orgId: string,
  endpointId: string,
  deliveryId: string,
): Promise<WebhookDelivery> {
  const [endpoint] = await tx.query<{ enabled: boolean }>(
    'select enabled from public.webhook_endpoints where id = $1',
    [endpointId],
  );
  if (!endpoint) throw notFound('Webhook endpoint');
  if (!endpoint.enabled)
    throw new ApiError('conflict', 'The endpoint is disabled: enable it before replaying');
  const [row] = await tx.query(
    `update public.webhook_deliveries set status = 'pending', next_attempt_at = now()
     where id = $1 and endpoint_id = $2 returning id`,
    [deliveryId, endpointId],
  );
  if (!row) throw notFound('Webhook delivery');
  await enqueueJob(tx, {
    orgId,
    kind: WEBHOOK_DELIVERY_JOB,
    dedupeKey: `${WEBHOOK_DELIVERY_JOB}:${deliveryId}`,
    payload: { deliveryId },
  });
  const [full] = await tx.query(`${DELIVERY_LIST_FROM} where t.id = $1`, [deliveryId]);
  return deliveryFromRow(full!);
}
