// `webhooks`: the organisation's signed outbound webhook endpoints (owners, admins and secret keys), their
// secrets (shown once, rotatable with an overlap), the log of their deliveries, and replays. docs/webhooks.md.
import {
  id,
  page,
  type WebhookEndpointWithSecret,
  webhookDelivery,
  webhookDeliveryListQuery,
  webhookEndpoint,
  webhookEndpointCreate,
  webhookEndpointUpdate,
  webhookEndpointWithSecret,
  webhookSecretRotate,
} from '@closer/contract';
import { access, authorize } from '../_shared/auth/access.ts';
import { tenant } from '../_shared/auth/middleware.ts';
import { createFunctionApp } from '../_shared/http/app.ts';
import { Filters } from '../_shared/http/filters.ts';
import { listPage } from '../_shared/http/pagination.ts';
import { route } from '../_shared/http/route.ts';
import type { Runtime } from '../_shared/runtime.ts';
import { checkEndpointUrl } from '../_shared/webhooks/destination.ts';
import {
  createEndpoint,
  DEFAULT_OVERLAP_SECONDS,
  DELIVERY_LIST_FROM,
  deleteEndpoint,
  deliveryFromRow,
  listEndpoints,
  MAX_ENDPOINTS,
  readEndpoint,
  replayDelivery,
  rotateSecret,
  updateEndpoint,
} from '../_shared/webhooks/endpoints.ts';
import { signingSecretKey } from '../_shared/webhooks/sealedSecrets.ts';

const endpointParam = { id: { schema: id, what: 'Webhook endpoint' } };

export function createWebhooksApp(runtime: Runtime) {
  const app = createFunctionApp('webhooks', runtime);
  app.use('*', authorize(access.admin));

  const list = route({
    summary: "List the organization's webhook endpoints, newest first",
    responses: { 200: page(webhookEndpoint) },
  });
  app.get('/', list, async (c) =>
    c.json({ data: await tenant(c, (tx) => listEndpoints(tx)), nextCursor: null }),
  );

  const create = route({
    summary: 'Add a webhook endpoint; the answer holds its signing secret, shown only this once',
    description: `https only (http and private addresses only with ALLOW_PRIVATE_WEBHOOKS=true, for local development); at most ${MAX_ENDPOINTS} per organization (409). The secret is stored encrypted with CLOSER_ENCRYPTION_KEY: unset, 503 \`unavailable\` naming it.`,
    body: webhookEndpointCreate,
    responses: { 201: webhookEndpointWithSecret },
  });
  app.post('/', create, async (c) => {
    const input = c.req.valid('json');
    checkEndpointUrl(input.url, runtime.env);
    const key = signingSecretKey(runtime.env);
    const { orgId } = c.var.principal;
    const { endpoint, secret } = await tenant(c, (tx) => createEndpoint(tx, key, orgId, input));
    return c.json({ ...endpoint, secret } satisfies WebhookEndpointWithSecret, 201);
  });

  const read = route({
    summary: 'Read a webhook endpoint (never its secret)',
    params: endpointParam,
    responses: { 200: webhookEndpoint },
  });
  app.get('/:id', read, async (c) =>
    c.json(await tenant(c, (tx) => readEndpoint(tx, c.req.valid('param').id))),
  );

  const update = route({
    summary: "Change a webhook endpoint's URL, events, description, or turn it on or off",
    description:
      'Turning it on clears the reason it was turned off; deliveries given up meanwhile can be replayed.',
    params: endpointParam,
    body: webhookEndpointUpdate,
    responses: { 200: webhookEndpoint },
  });
  app.patch('/:id', update, async (c) => {
    const patch = c.req.valid('json');
    if (patch.url !== undefined) checkEndpointUrl(patch.url, runtime.env);
    return c.json(await tenant(c, (tx) => updateEndpoint(tx, c.req.valid('param').id, patch)));
  });

  const remove = route({
    summary: 'Delete a webhook endpoint with its delivery log',
    params: endpointParam,
    responses: { 204: null },
  });
  app.delete('/:id', remove, async (c) => {
    await tenant(c, (tx) => deleteEndpoint(tx, c.req.valid('param').id));
    return c.body(null, 204);
  });

  const rotate = route({
    summary: "Rotate an endpoint's signing secret; the answer holds the new one, shown only this once",
    description:
      'The secrets signing until now keep signing beside the new one for `overlapSeconds` (default 24 hours): ' +
      '`webhook-signature` carries a signature for each, so receivers switch without missing an event. ' +
      'Like creation, 503 `unavailable` while CLOSER_ENCRYPTION_KEY is unset.',
    params: endpointParam,
    body: webhookSecretRotate,
    responses: { 200: webhookEndpointWithSecret },
  });
  app.post('/:id/rotate-secret', rotate, async (c) => {
    const { overlapSeconds = DEFAULT_OVERLAP_SECONDS } = c.req.valid('json');
    const key = signingSecretKey(runtime.env);
    const { orgId } = c.var.principal;
    const { endpoint, secret } = await tenant(c, (tx) =>
      rotateSecret(tx, key, orgId, c.req.valid('param').id, overlapSeconds),
    );
    return c.json({ ...endpoint, secret } satisfies WebhookEndpointWithSecret);
  });

  const deliveries = route({
    summary: "An endpoint's delivery log, newest first: each event sent, its status and latest attempts",
    params: endpointParam,
    query: webhookDeliveryListQuery,
    responses: { 200: page(webhookDelivery) },
  });
  app.get('/:id/deliveries', deliveries, async (c) => {
    const endpointId = c.req.valid('param').id;
    const query = c.req.valid('query');
    const filters = new Filters().add('t.endpoint_id = $?', endpointId).add('t.status = $?', query.status);
    return c.json(
      await tenant(c, async (tx) => {
        await readEndpoint(tx, endpointId);
        return listPage(tx, {
          from: DELIVERY_LIST_FROM,
          where: filters.where,
          params: filters.params,
          limit: query.limit,
          cursor: query.cursor,
          map: deliveryFromRow,
        });
      }),
    );
  });

  const replay = route({
    summary: 'Send a delivery again, with the same webhook-id; its retries start over',
    description: '409 while the endpoint is disabled.',
    params: { ...endpointParam, deliveryId: { schema: id, what: 'Webhook delivery' } },
    responses: { 200: webhookDelivery },
  });
  app.post('/:id/deliveries/:deliveryId/replay', replay, async (c) => {
    const { id: endpointId, deliveryId } = c.req.valid('param');
    const { orgId } = c.var.principal;
    return c.json(await tenant(c, (tx) => replayDelivery(tx, orgId, endpointId, deliveryId)));
  });

  return app;
}
