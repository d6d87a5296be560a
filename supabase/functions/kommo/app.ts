// `kommo`: connect a Kommo account (OAuth 2.0), see and change the connection, and read its pipelines.
import {
  type KommoCatalog,
  kommoCatalog,
  kommoConnection,
  kommoOauthStart,
  kommoOauthStartRequest,
  kommoSettingsUpdate,
} from '@closer/contract';
import * as z from 'zod/mini';
import { access, authorize } from '../_shared/auth/access.ts';
import { bearerToken, tenant } from '../_shared/auth/middleware.ts';
import { requireRoom } from '../_shared/billing/usage.ts';
import { timingSafeEqual } from '../_shared/crypto.ts';
import type { Row } from '../_shared/db/types.ts';
import { createFunctionApp } from '../_shared/http/app.ts';
import { ApiError } from '../_shared/http/errors.ts';
import { route } from '../_shared/http/route.ts';
import { kommoClient } from '../_shared/kommo/client.ts';
import { kommoConfigFromEnv } from '../_shared/kommo/config.ts';
import { connectionFromRow, fetchCatalog, storeCatalog } from '../_shared/kommo/connection.ts';
import { runKommoJobs } from '../_shared/kommo/leadSync.ts';
import { completeOauth, startOauth } from '../_shared/kommo/oauth.ts';
import { oauthResultPage } from '../_shared/kommo/resultPage.ts';
import { humanReplySettings } from '../_shared/kommo/salesbot/humanReplies.ts';
import { checkSettings, mergeSettings } from '../_shared/kommo/settings.ts';
import { receiveDelivery } from '../_shared/kommo/webhookInbox.ts';
import { revealWebhookUrl, unregisterWebhook } from '../_shared/kommo/webhookRegistration.ts';
import type { LlmProvider } from '../_shared/llm/types.ts';
import type { Runtime } from '../_shared/runtime.ts';
import { oauthCallbackQuery, webhookForm, webhookReceipt, workerReport } from './described.ts';
import { registerSalesbotRoutes } from './salesbot.ts';

export interface KommoAppOptions {
  /** Used for every call to Kommo (tests pass a fake; default: the global fetch at call time). */
  fetch?: typeof fetch;
  /** The model Salesbot replies come from (default: the deployment's, from the environment). */
  provider?: LlmProvider;
}

const catalogOf = ({ pipelines, users, customFields }: KommoCatalog): KommoCatalog => ({
  pipelines,
  users,
  customFields,
});

export function createKommoApp(runtime: Runtime, options: KommoAppOptions = {}) {
  const app = createFunctionApp('kommo', runtime, {
    // A delivery of a few thousand stage changes (see webhookDelivery.ts's field limit) is a few MB of form.
    largeBodies: [
      {
        path: /\/kommo\/webhooks\/[^/]+$/,
        mediaType: 'application/x-www-form-urlencoded',
        maxBytes: 4 * 1024 * 1024,
      },
    ],
  });
  const fetcher: typeof fetch = (input, init) => (options.fetch ?? globalThis.fetch)(input, init);
  // Connection, webhook secret, settings and disconnecting are an owner's or admin's business.
  const admin = authorize(access.admin);
  const config = () => kommoConfigFromEnv(runtime.env);
  const configured = () => {
    try {
      return config();
    } catch {
      return null;
    }
  };
  const apiFor = (orgId: string) => {
    return kommoClient({ db: runtime.db, orgId, config: config(), fetch: fetcher });
  };

  const oauthStart = route({
    summary: "The URL of Kommo's authorisation page (signed state, 10 minutes, single use)",
    body: kommoOauthStartRequest,
    responses: { 200: kommoOauthStart },
  });
  app.post('/oauth/start', admin, oauthStart, async (c) => {
    const { returnUrl } = c.req.valid('json');
    const cfg = config();
    const url = await tenant(c, async (tx) => {
      await requireRoom(tx, runtime.env, 'kommo');
      return startOauth(tx, cfg, c.var.principal.orgId, returnUrl ?? null);
    });
    return c.json({ url });
  });

  // Kommo redirects the user's browser here: no credential, the signed state speaks for the organisation.
  const oauthCallback = route({
    summary: 'Where Kommo sends the user back; redirects to the returnUrl with ?kommo=connected|error',
    query: oauthCallbackQuery,
    responses: {
      302: { description: 'Back to the returnUrl given to /kommo/oauth/start' },
      200: { description: 'Connected (no returnUrl)', content: { 'text/html': { type: 'string' } } },
      400: { description: 'Refused or failed (no returnUrl)', content: { 'text/html': { type: 'string' } } },
    },
  });
  app.get('/oauth/callback', oauthCallback, async (c) => {
    const outcome = await completeOauth(runtime.db, config(), fetcher, c.req.query());
    if (outcome.returnUrl) {
      const target = new URL(outcome.returnUrl);
      target.searchParams.set('kommo', outcome.ok ? 'connected' : 'error');
      if (!outcome.ok) target.searchParams.set('message', outcome.message);
      return c.redirect(target.toString(), 302);
    }
    return c.html(oauthResultPage(outcome), outcome.ok ? 200 : 400);
  });

  /** The connection as its admins see it, webhook URL included once Kommo is configured. */
  const present = async (row: Row | undefined) => {
    const cfg = row?.webhook_token_enc ? configured() : null;
    return connectionFromRow(row, cfg && row ? await revealWebhookUrl(cfg, row) : null);
  };

  const readConnection = route({
    summary: 'The Kommo connection: status, account, settings, webhook URL, last sync and error',
    responses: { 200: kommoConnection },
  });
  app.get('/', admin, readConnection, async (c) => {
    const [row] = await tenant(c, (tx) => tx.query('select * from public.kommo_connections'));
    return c.json(await present(row));
  });

  const updateSettings = route({
    summary: 'Change the lead-sync settings (checked against the synced pipelines, users and fields)',
    body: kommoSettingsUpdate,
    responses: { 200: kommoConnection },
  });
  app.post('/', admin, updateSettings, async (c) => {
    const patch = c.req.valid('json');
    const [row] = await tenant(c, async (tx) => {
      const [current] = await tx.query<{
        pipelines: KommoCatalog['pipelines'];
        users: KommoCatalog['users'];
        custom_fields: KommoCatalog['customFields'];
        settings: unknown;
      }>('select pipelines, users, custom_fields, settings from public.kommo_connections');
      if (!current)
        throw new ApiError('conflict', 'Kommo is not connected: connect it first (POST /kommo/oauth/start)');
      const next = mergeSettings(current.settings, patch);
      checkSettings(next, {
        pipelines: current.pipelines,
        users: current.users,
        customFields: current.custom_fields,
      });
      return tx.query('update public.kommo_connections set settings = $1::jsonb returning *', [
        JSON.stringify(next),
      ]);
    });
    return c.json(await present(row));
  });

  // Disconnect: Kommo is asked to stop the webhook, then tokens and webhook secret are erased, not just disabled.
  const disconnect = route({ summary: 'Disconnect Kommo and erase its tokens', responses: { 204: null } });
  app.delete('/', admin, disconnect, async (c) => {
    const [row] = await tenant(c, (tx) => tx.query('select * from public.kommo_connections'));
    const cfg = configured();
    if (row?.status === 'connected' && row.webhook_registered && cfg) {
      const url = await revealWebhookUrl(cfg, row);
      if (url) await unregisterWebhook(apiFor(c.var.principal.orgId), url);
    }
    await tenant(c, (tx) =>
      tx.query(
        `update public.kommo_connections set status = 'disconnected', access_token_enc = null,
           refresh_token_enc = null, expires_at = null, webhook_token_hash = null, webhook_token_enc = null,
           webhook_registered = false, refresh_lease_token = null, refresh_lease_until = null`,
      ),
    );
    return c.body(null, 204);
  });

  // Kommo's deliveries: no credential but the connection's secret in the path. Answered at once (Kommo waits
  // 2 s and disables a hook that keeps failing); a repeated delivery is recognised by its exact body.
  const delivery = route({
    summary: "Kommo's webhook deliveries; the connection's secret is the path (wrong secret: 404)",
    params: { token: { schema: z.string(), what: 'Webhook' } },
    rawBody: {
      mediaType: 'application/x-www-form-urlencoded',
      schema: webhookForm,
      description: 'As Kommo sends it',
    },
    responses: { 200: { description: 'Received', content: { 'application/json': webhookReceipt } } },
  });
  app.post('/webhooks/:token', delivery, async (c) =>
    c.json(
      await receiveDelivery(
        runtime.db,
        c.req.param('token'),
        c.req.header('content-type'),
        await c.req.text(),
        humanReplySettings(runtime.env),
      ),
    ),
  );

  const sync = route({
    summary: 'Read pipelines, stages, users and fields from Kommo again',
    responses: { 200: kommoCatalog },
  });
  app.post('/sync', admin, sync, async (c) => {
    const orgId = c.var.principal.orgId;
    const catalog = await fetchCatalog(apiFor(orgId));
    await tenant(c, (tx) => storeCatalog(tx, orgId, catalog));
    return c.json(catalogOf(catalog));
  });

  const pipelines = route({
    summary: 'Pipelines with their stages, users and fields (read from Kommo the first time)',
    responses: { 200: kommoCatalog },
  });
  app.get('/pipelines', admin, pipelines, async (c) => {
    const [row] = await tenant(c, (tx) =>
      tx.query<{
        pipelines: KommoCatalog['pipelines'];
        users: KommoCatalog['users'];
        custom_fields: KommoCatalog['customFields'];
        last_sync_at: Date | null;
      }>('select pipelines, users, custom_fields, last_sync_at from public.kommo_connections'),
    );
    if (!row)
      throw new ApiError('conflict', 'Kommo is not connected: connect it first (POST /kommo/oauth/start)');
    if (row.last_sync_at) {
      return c.json(
        catalogOf({ pipelines: row.pipelines, users: row.users, customFields: row.custom_fields }),
      );
    }
    // Never read yet: read them now.
    const orgId = c.var.principal.orgId;
    const catalog = await fetchCatalog(apiFor(orgId));
    await tenant(c, (tx) => storeCatalog(tx, orgId, catalog));
    return c.json(catalogOf(catalog));
  });

  // The outbox worker, run by pg_cron (see docs/kommo.md) with CLOSER_WORKER_SECRET as its credential.
  const worker = route({
    summary: 'Run the lead-sync outbox once (pg_cron, with CLOSER_WORKER_SECRET)',
    security: [{ workerSecret: [] }],
    responses: { 200: { description: 'What the run did', content: { 'application/json': workerReport } } },
  });
  app.post('/worker', worker, async (c) => {
    const secret = runtime.env.CLOSER_WORKER_SECRET;
    if (!secret)
      throw new ApiError('unavailable', 'Set CLOSER_WORKER_SECRET to run the Kommo worker over HTTP');
    if (!timingSafeEqual(bearerToken(c.req.header('authorization')), secret)) {
      throw new ApiError('unauthorized', 'Invalid worker secret');
    }
    return c.json(await runKommoJobs({ db: runtime.db, env: runtime.env, fetch: fetcher }));
  });

  registerSalesbotRoutes(app, runtime, { config, fetch: fetcher, provider: options.provider });
  return app;
}
