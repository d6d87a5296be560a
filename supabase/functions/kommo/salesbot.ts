// Salesbot routes of `kommo`: Kommo's `widget_request` deliveries (acknowledged at once, answered in the
// background), and for administrators the bot to paste and the widget archive to upload.
import { errorBody, id, kommoSalesbotSetup } from '@closer/contract';
import * as z from 'zod/mini';
import { access, authorize } from '../_shared/auth/access.ts';
import { tenant } from '../_shared/auth/middleware.ts';
import { runInBackground } from '../_shared/background.ts';
import type { ChatTimings } from '../_shared/chat/engine.ts';
import { orgCeilingsFromEnv } from '../_shared/chat/modelCeilings.ts';
import type { FunctionApp } from '../_shared/http/app.ts';
import { route } from '../_shared/http/route.ts';
import type { KommoConfig } from '../_shared/kommo/config.ts';
import { AcknowledgementsFirst } from '../_shared/kommo/salesbot/acknowledgementsFirst.ts';
import { answerDelivery } from '../_shared/kommo/salesbot/answer.ts';
import { receiveSalesbotRequest } from '../_shared/kommo/salesbot/receive.ts';
import { DEFAULT_REPLY_SHAPE, type ReplyShape } from '../_shared/kommo/salesbot/replyHandlers.ts';
import { salesbotRequest } from '../_shared/kommo/salesbot/request.ts';
import { salesbotSource, widgetArchive } from '../_shared/kommo/salesbot/setup.ts';
import { createLlmProvider } from '../_shared/llm/provider.ts';
import type { LlmProvider } from '../_shared/llm/types.ts';
import { findAgent } from '../_shared/resources/agents.ts';
import type { Runtime } from '../_shared/runtime.ts';
import { salesbotAck } from './described.ts';

export interface SalesbotRouteOptions {
  config: () => KommoConfig;
  fetch: typeof fetch;
  provider?: LlmProvider | undefined;
  /** Scales waits inside the Kommo client (tests run it fast). */
  delayScale?: number | undefined;
}

const milliseconds = (value: string | undefined, fallback: number) =>
  value && Number(value) > 0 ? Number(value) : fallback;

const deliveryQuery = z.object({
  agent: z.string(),
  /** `auto`: short replies as `show` handlers, long ones as `data.reply`; `data`: always `data.reply`. */
  reply: z.optional(z.enum(['auto', 'data'])),
  /** Most `show` handlers before a reply goes as `data.reply` (1–9, default 4). */
  shows: z.optional(z.string().check(z.regex(/^[1-9]$/))),
});

/** The agent's Salesbot URL (what the widget step calls). */
export const salesbotUrl = (config: KommoConfig, agentId: string) =>
  new URL(`../salesbot?agent=${agentId}`, config.redirectUri).toString();

export function registerSalesbotRoutes(app: FunctionApp, runtime: Runtime, options: SalesbotRouteOptions) {
  let provider = options.provider;
  const timings: ChatTimings = {
    pingMs: 15_000,
    idleTimeoutMs: milliseconds(runtime.env.CLOSER_LLM_IDLE_TIMEOUT_MS, 60_000),
    firstTokenTimeoutMs: milliseconds(runtime.env.CLOSER_LLM_FIRST_TOKEN_TIMEOUT_MS, 20_000),
  };

  const deliver = route({
    summary: "Kommo Salesbot's widget_request: acknowledged at once, the agent's reply continues the bot",
    description:
      "Kommo signs `token` (HS512, the integration secret). Answered 200 within Kommo's 2 seconds; the reply is " +
      'produced afterwards and sent to `return_url` (POST /api/v4/salesbot/{bot_id}/continue/{continue_id}).',
    query: deliveryQuery,
    body: salesbotRequest,
    responses: {
      200: { description: 'Received', content: { 'application/json': salesbotAck } },
      401: {
        description:
          "`token` is not signed with the integration's secret, has expired, or names another account",
        content: { 'application/json': errorBody },
      },
    },
  });
  const acknowledgements = new AcknowledgementsFirst();
  app.post('/salesbot', acknowledgements.counting, deliver, async (c) => {
    const query = c.req.valid('query');
    const config = options.config();
    const receipt = await receiveSalesbotRequest(runtime.db, config, query.agent, c.req.valid('json'));
    if (receipt.duplicate) return c.json({ received: true, duplicate: true });
    const shape: ReplyShape = {
      mode: query.reply ?? DEFAULT_REPLY_SHAPE.mode,
      maxShows: query.shows ? Number(query.shows) : DEFAULT_REPLY_SHAPE.maxShows,
    };
    provider ??= createLlmProvider(runtime.env);
    const deps = {
      db: runtime.db,
      env: runtime.env,
      config,
      fetch: options.fetch,
      provider,
      timings,
      orgCeilings: orgCeilingsFromEnv(runtime.env),
      ...(options.delayScale === undefined ? {} : { delayScale: options.delayScale }),
    };
    const requestId = c.var.requestId;
    runInBackground(async () => {
      await acknowledgements.quiet();
      await answerDelivery(deps, receipt.delivery, shape, requestId);
    }, 'kommo salesbot');
    return c.json({ received: true, duplicate: false });
  });

  const admin = authorize(access.admin);
  const agentQuery = z.object({ agentId: id });

  const setup = route({
    summary: 'The Salesbot to paste in Kommo (looping widget step calling this agent) and its URL',
    query: agentQuery,
    responses: { 200: kommoSalesbotSetup },
  });
  app.get('/salesbot/setup', admin, setup, async (c) => {
    const { agentId } = c.req.valid('query');
    const agent = await tenant(c, (tx) => findAgent(tx, agentId));
    const url = salesbotUrl(options.config(), agent.id);
    return c.json({ agentId: agent.id, url, salesbot: salesbotSource(url) });
  });

  const widget = route({
    summary:
      'The widget archive (manifest.json, script.js) a private integration uploads for the Salesbot step',
    query: agentQuery,
    responses: {
      200: {
        description: 'widget.zip',
        content: { 'application/zip': { type: 'string', format: 'binary' } },
      },
    },
  });
  app.get('/salesbot/widget', admin, widget, async (c) => {
    const { agentId } = c.req.valid('query');
    const agent = await tenant(c, (tx) => findAgent(tx, agentId));
    const archive = await widgetArchive(salesbotUrl(options.config(), agent.id));
    return c.body(archive.buffer as ArrayBuffer, 200, {
      'content-type': 'application/zip',
      'content-disposition': 'attachment; filename="closer-salesbot-widget.zip"',
    });
  });
}
