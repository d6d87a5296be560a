// `chat`: the visitor-facing chat. POST /chat streams (SSE) or answers JSON; the widget's config, history and
// lead form; and an OpenAI-compatible endpoint for server code.
import {
  agentRef,
  type ChatConfig,
  type ChatReply,
  type ConversationWithMessages,
  chatAgentQuery,
  chatConfig,
  chatLeadRequest,
  chatReply,
  chatRequest,
  conversationWithMessages,
  id,
  type LeadField,
  lead as leadSchema,
  privacyExport,
  VISITOR_TOKEN_HEADER,
} from '@closer/contract';
import * as z from 'zod/mini';
import { access, authorize } from '../_shared/auth/access.ts';
import { tenant } from '../_shared/auth/middleware.ts';
import { tenantClaims } from '../_shared/auth/principal.ts';
import { meterReply } from '../_shared/billing/usage.ts';
import { type ChatTimings, prepareTurn, streamReply } from '../_shared/chat/engine.ts';
import { upsertLead } from '../_shared/chat/leads.ts';
import { orgCeilingsFromEnv } from '../_shared/chat/modelCeilings.ts';
import { countPreparing } from '../_shared/chat/relayLoad.ts';
import { sseResponse } from '../_shared/chat/sse.ts';
import { findVisitorConversation } from '../_shared/chat/visitor.ts';
import { withTenant } from '../_shared/db/tenant.ts';
import { handoffOnLeadCaptured } from '../_shared/handoff/rules.ts';
import { createFunctionApp } from '../_shared/http/app.ts';
import { ApiError } from '../_shared/http/errors.ts';
import { route } from '../_shared/http/route.ts';
import { deploymentDefaults, withDeploymentModel } from '../_shared/llm/agentModel.ts';
import { observeProvider } from '../_shared/llm/observe.ts';
import { createLlmProvider } from '../_shared/llm/provider.ts';
import type { LlmProvider } from '../_shared/llm/types.ts';
import { chatEventStream, chatStreamDescription } from '../_shared/openapi/streams.ts';
import { eraseSubject, exportSubject } from '../_shared/privacy/subject.ts';
import {
  CONVERSATION_SELECT,
  conversationFromRow,
  messageFromRow,
} from '../_shared/resources/conversations.ts';
import {
  conversationForVisitor,
  exportForVisitor,
  leadForVisitor,
  messageForVisitor,
} from '../_shared/resources/visitorView.ts';
import { embedQuestion } from '../_shared/retrieval/semantic.ts';
import { isSmallTalk } from '../_shared/retrieval/smallTalk.ts';
import type { Runtime } from '../_shared/runtime.ts';
import { audienceOf, chatAgent, chatAgentClaimingReply, needsVisitorToken, visitorAddress } from './agent.ts';
import { heldTurnResponse, registerEventRoutes } from './events.ts';
import { registerModelRoutes } from './models.ts';
import { registerOpenAiRoutes } from './openai.ts';

const anyCredential = authorize(access.chat);

const milliseconds = (value: string | undefined, fallback: number) =>
  value && Number(value) > 0 ? Number(value) : fallback;

export function chatTimings(env: Runtime['env']): ChatTimings {
  return {
    pingMs: milliseconds(env.CLOSER_CHAT_PING_MS, 15_000),
    idleTimeoutMs: milliseconds(env.CLOSER_LLM_IDLE_TIMEOUT_MS, 60_000),
    firstTokenTimeoutMs: milliseconds(env.CLOSER_LLM_FIRST_TOKEN_TIMEOUT_MS, 20_000),
  };
}

export function createChatApp(runtime: Runtime, options: { provider?: LlmProvider } = {}) {
  const baseProvider = options.provider ?? createLlmProvider(runtime.env);
  const timings = chatTimings(runtime.env);
  const orgCeilings = orgCeilingsFromEnv(runtime.env);
  const app = createFunctionApp('chat', runtime);

  const sendMessage = route({
    summary: "Send a visitor's message; the agent's reply streams (SSE) or comes back as JSON",
    body: chatRequest,
    responses: {
      200: {
        description: chatStreamDescription,
        content: { 'application/json': chatReply, 'text/event-stream': chatEventStream },
      },
    },
  });
  app.post('/', countPreparing, anyCredential, sendMessage, async (c) => {
    const request = c.req.valid('json');
    const requestId = c.var.requestId;
    // The agent and the reply's claim on the spend ceilings, in one round trip: over a ceiling, nothing is stored
    // and no model is called.
    const found = await chatAgentClaimingReply(c, request.agentId, orgCeilings);
    const { spend } = found;
    // No model configured for it is 503: the reply was never given.
    const agent = await Promise.resolve()
      .then(() => withDeploymentModel(found.agent, deploymentDefaults(runtime.env, requestId), requestId))
      .catch(spend.giveBack);
    const claims = tenantClaims(c.var.principal);
    // The question's embedding, once per turn: asked for by prepareTurn once the limits admit the turn. Without
    // one to ask for, the turn's statements go out in one pipeline (nothing to wait for between them).
    const question =
      runtime.semantic && !isSmallTalk(request.message)
        ? () => embedQuestion(runtime.semantic, request.message, requestId)
        : undefined;
    // Billing (off without STRIPE_SECRET_KEY): counted against the plan; over its allowance, as the plan says.
    const billed = await meterReply(runtime, claims, baseProvider).catch(spend.giveBack);
    const provider = observeProvider(billed.provider, { requestId, audience: audienceOf(c) });
    // The visitor's message is committed here, before any model is called.
    const prepared = await prepareTurn(
      runtime.db,
      claims,
      {
        request,
        visitorToken: c.req.header(VISITOR_TOKEN_HEADER),
        requireVisitorToken: needsVisitorToken(c),
        ip: visitorAddress(c),
      },
      provider,
      agent,
      question,
    )
      .catch(billed.giveBack)
      .catch(spend.giveBack);
    // A conversation this turn started is the visitor's from now on: its token joins the claims.
    const turnClaims = prepared.turn.visitorTokenHash
      ? { ...claims, visitor_token_hash: prepared.turn.visitorTokenHash }
      : claims;
    const run = {
      db: runtime.db,
      claims: turnClaims,
      provider,
      timings,
      requestId: c.var.requestId,
      clientAddress: visitorAddress(c),
      env: runtime.env,
      // The reply's tokens are added to the ceilings' counts in the write that stores the reply.
      spend,
    };
    if (prepared.turn.held) {
      // A person is involved: no model reply was given, so none is counted.
      await spend.giveBack(null).catch(() => undefined);
      return heldTurnResponse(c, runtime.db, turnClaims, prepared.turn, timings.pingMs);
    }
    if ((c.req.header('accept') ?? '').includes('text/event-stream')) {
      return sseResponse(
        c,
        async (emit, gone) => {
          await streamReply(run, prepared, emit, gone);
        },
        { pingMs: timings.pingMs, requestId: c.var.requestId },
      );
    }
    const outcome = await streamReply(run, prepared, () => {}, c.req.raw.signal);
    if (outcome.error) throw outcome.error;
    const [row] = await withTenant(runtime.db, turnClaims, (tx) =>
      tx.query('select * from public.messages where id = $1', [prepared.turn.replyId]),
    );
    const visitor = c.var.principal.kind === 'publishable';
    const message = messageFromRow(row!);
    const reply: ChatReply = {
      conversationId: prepared.turn.conversationId,
      ...(prepared.turn.visitorToken ? { visitorToken: prepared.turn.visitorToken } : {}),
      message: visitor ? messageForVisitor(message) : message,
      ...(outcome.lead ? { lead: visitor ? leadForVisitor(outcome.lead) : outcome.lead } : {}),
    };
    return c.json(reply);
  });

  const readConfig = route({
    summary: "The widget's public configuration of the agent",
    query: chatAgentQuery,
    responses: { 200: chatConfig },
  });
  app.get('/config', anyCredential, readConfig, async (c) => {
    const { agentId } = c.req.valid('query');
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

  const readConversation = route({
    summary: "A visitor's conversation with its messages (needs the visitor token with a publishable key)",
    params: { id: { schema: id, what: 'Conversation' } },
    query: chatAgentQuery,
    responses: { 200: conversationWithMessages },
  });
  app.get('/conversations/:id', anyCredential, readConversation, async (c) => {
    const conversationId = c.req.valid('param').id;
    const { agentId } = c.req.valid('query');
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
    return c.json(c.var.principal.kind === 'publishable' ? conversationForVisitor(body) : body);
  });

  const exportConversation = route({
    summary:
      "A visitor's own data as JSON: the conversation, its messages and the lead (visitor token required)",
    params: { id: { schema: id, what: 'Conversation' } },
    query: chatAgentQuery,
    responses: { 200: privacyExport },
  });
  app.get('/conversations/:id/export', anyCredential, exportConversation, async (c) => {
    const conversationId = c.req.valid('param').id;
    const agent = await chatAgent(c, c.req.valid('query').agentId);
    const body = await tenant(c, async (tx) => {
      await findVisitorConversation(tx, {
        id: conversationId,
        agentId: agent.id,
        token: c.req.header(VISITOR_TOKEN_HEADER),
        requireToken: needsVisitorToken(c),
      });
      return exportSubject(tx, { conversationId }, null);
    });
    const shown = c.var.principal.kind === 'publishable' ? exportForVisitor(body) : body;
    c.header('cache-control', 'no-store');
    return c.json(shown);
  });

  const eraseConversation = route({
    summary: 'A visitor erases their conversation: messages, the lead and its queued CRM deliveries (logged)',
    params: { id: { schema: id, what: 'Conversation' } },
    query: chatAgentQuery,
    responses: { 204: null },
  });
  app.delete('/conversations/:id', anyCredential, eraseConversation, async (c) => {
    const conversationId = c.req.valid('param').id;
    const agent = await chatAgent(c, c.req.valid('query').agentId);
    const principal = c.var.principal;
    await tenant(c, async (tx) => {
      await findVisitorConversation(tx, {
        id: conversationId,
        agentId: agent.id,
        token: c.req.header(VISITOR_TOKEN_HEADER),
        requireToken: needsVisitorToken(c),
      });
      // A visitor may delete nothing directly: the database function erases the conversation their token opened.
      if (principal.kind === 'publishable') await tx.query('select public.erase_visitor_conversation()');
      else
        await eraseSubject(
          tx,
          { conversationId },
          principal.kind === 'member'
            ? { kind: 'member', id: principal.userId }
            : { kind: 'secret', id: principal.keyId },
          false,
        );
    });
    return c.body(null, 204);
  });

  const submitLead = route({
    summary: "The lead form: the visitor's contact details for the conversation's lead",
    body: z.extend(chatLeadRequest, { agentId: z.optional(agentRef) }),
    responses: { 201: leadSchema },
  });
  app.post('/lead', anyCredential, submitLead, async (c) => {
    const body = c.req.valid('json');
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
        address: visitorAddress(c),
        afterCreated: (tx) => handoffOnLeadCaptured(tx, agent, body.conversationId),
      });
    });
    // Why a CRM sync failed is the organisation's business (dashboard, leads API), never a visitor's.
    return c.json(c.var.principal.kind === 'publishable' ? leadForVisitor(lead) : lead, 201);
  });

  registerEventRoutes(app, runtime, timings);
  registerOpenAiRoutes(app, baseProvider, timings, orgCeilings);
  registerModelRoutes(app);
  return app;
}
