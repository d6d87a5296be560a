// `chat`: the visitor-facing chat. POST /chat streams (SSE) or answers JSON; the widget's config, history and
// lead form; and an OpenAI-compatible endpoint for server code.
import {
  agentRef,
  type ChatConfig,
  type ChatReply,
  type ConversationWithMessages,
  chatAgentQuery,
  chatLeadRequest,
  chatRequest,
  id,
  type LeadField,
  VISITOR_TOKEN_HEADER,
} from '@closer/contract';
import * as z from 'zod/mini';
import { authenticate, tenant } from '../_shared/auth/middleware.ts';
import { tenantClaims } from '../_shared/auth/principal.ts';
import { type ChatTimings, prepareTurn, streamReply } from '../_shared/chat/engine.ts';
import { upsertLead } from '../_shared/chat/leads.ts';
import { clientIp } from '../_shared/chat/rateLimit.ts';
import { sseResponse } from '../_shared/chat/sse.ts';
import { findVisitorConversation } from '../_shared/chat/visitor.ts';
import { createFunctionApp } from '../_shared/http/app.ts';
import { ApiError } from '../_shared/http/errors.ts';
import { readJson, readParam, readQuery } from '../_shared/http/validate.ts';
import { nudgeLeadSync } from '../_shared/kommo/leadSync.ts';
import { deploymentDefaults, withDeploymentModel } from '../_shared/llm/agentModel.ts';
import { observeProvider } from '../_shared/llm/observe.ts';
import { createLlmProvider } from '../_shared/llm/provider.ts';
import type { LlmProvider } from '../_shared/llm/types.ts';
import {
  CONVERSATION_SELECT,
  conversationFromRow,
  messageFromRow,
} from '../_shared/resources/conversations.ts';
import type { Runtime } from '../_shared/runtime.ts';
import { audienceOf, chatAgent, needsVisitorToken } from './agent.ts';
import { registerModelRoutes } from './models.ts';
import { registerOpenAiRoutes } from './openai.ts';

const anyCredential = authenticate(['publishable', 'secret', 'member']);

const milliseconds = (value: string | undefined, fallback: number) =>
  value && Number(value) > 0 ? Number(value) : fallback;

export function chatTimings(env: Runtime['env']): ChatTimings {
  return {
    pingMs: milliseconds(env.CLOSER_CHAT_PING_MS, 15_000),
    idleTimeoutMs: milliseconds(env.CLOSER_LLM_IDLE_TIMEOUT_MS, 60_000),
  };
}

export function createChatApp(runtime: Runtime, options: { provider?: LlmProvider } = {}) {
  const baseProvider = options.provider ?? createLlmProvider(runtime.env);
  const timings = chatTimings(runtime.env);
  const app = createFunctionApp('chat', runtime);

  app.post('/', anyCredential, async (c) => {
    const request = await readJson(c, chatRequest);
    const requestId = c.var.requestId;
    const agent = withDeploymentModel(
      await chatAgent(c, request.agentId),
      deploymentDefaults(runtime.env, requestId),
      requestId,
    );
    const claims = tenantClaims(c.var.principal);
    const provider = observeProvider(baseProvider, { requestId, audience: audienceOf(c) });
    // The visitor's message is committed here, before any model is called.
    const prepared = await prepareTurn(
      runtime.db,
      claims,
      {
        agent,
        request,
        visitorToken: c.req.header(VISITOR_TOKEN_HEADER),
        requireVisitorToken: needsVisitorToken(c),
        ip: clientIp(c.req.raw.headers),
      },
      provider,
    );
    const signal = c.req.raw.signal;
    if ((c.req.header('accept') ?? '').includes('text/event-stream')) {
      return sseResponse(
        async (emit, gone) => {
          const outcome = await streamReply(runtime.db, claims, provider, prepared, emit, gone, timings);
          if (outcome.lead) nudgeLeadSync({ db: runtime.db, env: runtime.env, fetch });
        },
        {
          signal,
          pingMs: timings.pingMs,
          // The start event carries the visitor token: no cache may keep it.
          headers: { 'x-request-id': requestId, 'cache-control': 'no-store, no-transform' },
        },
      );
    }
    const outcome = await streamReply(runtime.db, claims, provider, prepared, () => {}, signal, timings);
    if (outcome.lead) nudgeLeadSync({ db: runtime.db, env: runtime.env, fetch });
    if (outcome.error) throw outcome.error;
    const [row] = await tenant(c, (tx) =>
      tx.query('select * from public.messages where id = $1', [prepared.turn.replyId]),
    );
    const reply: ChatReply = {
      conversationId: prepared.turn.conversationId,
      ...(prepared.turn.visitorToken ? { visitorToken: prepared.turn.visitorToken } : {}),
      message: messageFromRow(row!),
      ...(outcome.lead ? { lead: outcome.lead } : {}),
    };
    return c.json(reply);
  });

  app.get('/config', anyCredential, async (c) => {
    const { agentId } = readQuery(c, chatAgentQuery);
    const agent = await chatAgent(c, agentId);
    const config: ChatConfig = {
      agentId: agent.id,
      name: agent.name,
      greeting: agent.greeting,
      starterPrompts: agent.starterPrompts,
      theme: agent.theme,
      locale: agent.language,
      leadForm: agent.leadCapture,
      proactiveOpenSeconds: agent.proactiveOpenSeconds,
    };
    return c.json(config);
  });

  app.get('/conversations/:id', anyCredential, async (c) => {
    const conversationId = readParam(c, 'id', id, 'Conversation');
    const { agentId } = readQuery(c, chatAgentQuery);
    const agent = await chatAgent(c, agentId);
    const body = await tenant(c, async (tx): Promise<ConversationWithMessages> => {
      await findVisitorConversation(tx, {
        id: conversationId,
        agentId: agent.id,
        token: c.req.header(VISITOR_TOKEN_HEADER),
        requireToken: needsVisitorToken(c),
      });
      const [row] = await tx.query(`${CONVERSATION_SELECT} where t.id = $1`, [conversationId]);
      const messages = await tx.query(
        `select * from public.messages where conversation_id = $1 and not (role = 'assistant' and content = '')
         order by seq`,
        [conversationId],
      );
      return { ...conversationFromRow(row!), messages: messages.map(messageFromRow) };
    });
    return c.json(body);
  });

  app.post('/lead', anyCredential, async (c) => {
    const body = await readJson(c, z.extend(chatLeadRequest, { agentId: z.optional(agentRef) }));
    const agent = await chatAgent(c, body.agentId);
    const missing = agent.leadCapture.fields
      .filter((f) => f.required && !body.fields[f.field as LeadField])
      .map((f) => ({ path: ['fields', f.field], message: 'required by this agent' }));
    if (missing.length)
      throw new ApiError('validation_failed', 'The lead form is not complete', { details: missing });
    const lead = await tenant(c, async (tx) => {
      await findVisitorConversation(tx, {
        id: body.conversationId,
        agentId: agent.id,
        token: c.req.header(VISITOR_TOKEN_HEADER),
        requireToken: needsVisitorToken(c),
      });
      return upsertLead(tx, {
        orgId: agent.orgId,
        agentId: agent.id,
        conversationId: body.conversationId,
        fields: body.fields,
      });
    });
    nudgeLeadSync({ db: runtime.db, env: runtime.env, fetch });
    return c.json(lead, 201);
  });

  registerOpenAiRoutes(app, baseProvider, timings);
  registerModelRoutes(app);
  return app;
}
