// The chat engine: a turn is prepared (visitor's message committed, knowledge retrieved, prompt built),
// then the reply is streamed from the provider, leads captured through the tool, and the reply stored
// as far as it got, whatever happens to the client or the upstream.
import type { ChatEvent, ChatRequest, Lead, ScriptStage } from '@closer/contract';
import type { TenantClaims } from '../db/tenant.ts';
import { withTenant } from '../db/tenant.ts';
import type { Database, Queryable } from '../db/types.ts';
import { ApiError } from '../http/errors.ts';
import type { ChatAgent } from '../llm/agentModel.ts';
import { UpstreamError } from '../llm/errors.ts';
import type { Grounding, LlmMessage, LlmProvider, LlmToolCall } from '../llm/types.ts';
import { assemblePrompt } from '../prompt/assemble.ts';
import { estimateTokens } from '../prompt/tokens.ts';
import {
  type MatchedObjection,
  matchObjections,
  retrieveKnowledge,
  type StageScript,
  scriptFor,
} from '../retrieval/retrieve.ts';
import { withIdleTimeout } from './idle.ts';
import { CAPTURE_LEAD_TOOL, leadFieldsFromToolArguments, upsertLead } from './leads.ts';
import { finishReply, type OpenedTurn, openTurn, type TurnInput } from './turn.ts';

export interface ChatTimings {
  /** Idle time before a `: ping` comment (15 s). */
  pingMs: number;
  /** Time without an upstream event before the reply is ended with an error (60 s). */
  idleTimeoutMs: number;
}

export interface PreparedTurn extends GroundedPrompt {
  agent: ChatAgent;
  turn: OpenedTurn;
}

const MAX_TOOL_ROUNDS = 2;

export interface GroundedPrompt {
  messages: LlmMessage[];
  grounding: Grounding;
  objections: MatchedObjection[];
  script: StageScript | null;
  offerTools: boolean;
}

/** Retrieval and prompt assembly for one message, given the conversation so far. */
export async function groundedPrompt(
  tx: Queryable,
  agent: ChatAgent,
  conversation: {
    history: { role: 'user' | 'assistant'; content: string }[];
    message: string;
    stage: ScriptStage;
    hasLead: boolean;
    tools: boolean;
    extraInstructions?: string;
  },
): Promise<GroundedPrompt> {
  const previousVisitorText = conversation.history
    .filter((m) => m.role === 'user')
    .slice(-1)
    .map((m) => m.content);
  const [knowledge, objections, script] = await Promise.all([
    retrieveKnowledge(tx, agent, conversation.message, previousVisitorText.join('\n')),
    matchObjections(tx, agent, conversation.message),
    scriptFor(tx, agent.id, conversation.stage),
  ]);
  const prompt = assemblePrompt({
    agent,
    history: conversation.history,
    message: conversation.message,
    knowledge,
    objections,
    script,
    leadCaptured: conversation.hasLead,
    toolsOffered: conversation.tools,
    ...(conversation.extraInstructions ? { extraInstructions: conversation.extraInstructions } : {}),
  });
  return {
    messages: prompt.messages,
    grounding: {
      agentName: agent.name,
      language: agent.language,
      knowledge: prompt.knowledge.map((k) => ({ title: k.title, content: k.content })),
      objections: objections.map((o) => ({ objection: o.objection, answer: o.answer })),
      script: script ? { stage: script.stage, content: script.content } : null,
      stage: conversation.stage,
      question: conversation.message,
    },
    objections,
    script,
    offerTools: conversation.tools,
  };
}

/** Commits the visitor's message and gathers what the reply needs. Throws ApiError (rate limit, 404, …). */
export async function prepareTurn(
  db: Database,
  claims: TenantClaims,
  input: TurnInput,
  provider: LlmProvider,
): Promise<PreparedTurn> {
  const { agent } = input;
  return withTenant(db, claims, async (tx) => {
    const turn = await openTurn(tx, input);
    const prompt = await groundedPrompt(tx, agent, {
      history: turn.history,
      message: input.request.message,
      stage: turn.stage,
      hasLead: turn.hasLead,
      tools: provider.name !== 'offline' && agent.leadCapture.enabled,
    });
    return { agent, turn, ...prompt };
  });
}

export interface ReplyOutcome {
  content: string;
  complete: boolean;
  finishReason: string;
  usage: { inputTokens: number; outputTokens: number };
  lead: Lead | null;
  error: ApiError | null;
}

/**
 * Streams the reply, emitting `start`, `delta`, `lead` and then `done` or `error`. Never throws: a failure is
 * an `error` event and an interrupted reply in the database. A client that leaves (`signal`) aborts the upstream.
 */
export async function streamReply(
  db: Database,
  claims: TenantClaims,
  provider: LlmProvider,
  prepared: PreparedTurn,
  emit: (event: ChatEvent) => void,
  signal: AbortSignal,
  timings: ChatTimings,
): Promise<ReplyOutcome> {
  const { agent, turn } = prepared;
  emit({
    type: 'start',
    data: {
      conversationId: turn.conversationId,
      messageId: turn.replyId,
      ...(turn.visitorToken ? { visitorToken: turn.visitorToken } : {}),
    },
  });

  const upstream = new AbortController();
  const abortUpstream = () => upstream.abort();
  signal.addEventListener('abort', abortUpstream, { once: true });

  let content = '';
  let finishReason = 'stop';
  const reported = { inputTokens: 0, outputTokens: 0 };
  let usageReported = false;
  let lead: Lead | null = null;
  let error: ApiError | null = null;
  let messages = prepared.messages;
  let tools = prepared.offerTools ? [CAPTURE_LEAD_TOOL] : undefined;

  try {
    for (let round = 0; ; round++) {
      const calls: LlmToolCall[] = [];
      let roundText = '';
      try {
        const events = provider.stream(
          {
            model: agent.model,
            messages,
            temperature: agent.temperature,
            maxTokens: agent.maxTokens,
            ...(tools ? { tools } : {}),
            grounding: prepared.grounding,
          },
          upstream.signal,
        );
        for await (const event of withIdleTimeout(events, timings.idleTimeoutMs, abortUpstream)) {
          if (event.type === 'text') {
            roundText += event.text;
            content += event.text;
            emit({ type: 'delta', data: { text: event.text } });
          } else if (event.type === 'tool_call') {
            calls.push(event.call);
          } else if (event.type === 'usage') {
            reported.inputTokens += event.inputTokens;
            reported.outputTokens += event.outputTokens;
            usageReported = true;
          } else {
            finishReason = event.reason;
          }
        }
      } catch (failure) {
        // A model that refuses tools gets the question again without them, once, before any text went out.
        if (failure instanceof UpstreamError && failure.toolsUnsupported && tools && content === '') {
          tools = undefined;
          round--;
          continue;
        }
        throw failure;
      }
      if (signal.aborted) break;
      if (calls.length === 0 || round >= MAX_TOOL_ROUNDS) break;
      const results: LlmMessage[] = [];
      for (const call of calls) {
        let result = `Unknown tool ${call.name}`;
        if (call.name === CAPTURE_LEAD_TOOL.name) {
          const fields = leadFieldsFromToolArguments(call.arguments);
          if (fields) {
            lead = await withTenant(db, claims, (tx) =>
              upsertLead(tx, {
                orgId: agent.orgId,
                agentId: agent.id,
                conversationId: turn.conversationId,
                fields,
              }),
            );
            emit({ type: 'lead', data: { leadId: lead.id, fields } });
            result = 'Saved. Thank the visitor and confirm the next step.';
          } else {
            result =
              'Nothing saved: no valid name, email, phone, company or need was given. Ask again politely.';
          }
        }
        results.push({ role: 'tool', toolCallId: call.id, content: result });
      }
      messages = [...messages, { role: 'assistant', content: roundText, toolCalls: calls }, ...results];
    }
  } catch (failure) {
    if (!signal.aborted) {
      error =
        failure instanceof UpstreamError
          ? failure.toApiError()
          : failure instanceof ApiError
            ? failure
            : new ApiError('internal', 'The reply failed');
      if (error.code === 'internal')
        console.error(JSON.stringify({ level: 'error', where: 'chat', error: String(failure) }));
    }
  } finally {
    signal.removeEventListener('abort', abortUpstream);
  }

  const complete = !signal.aborted && error === null;
  if (!complete) finishReason = 'interrupted';
  // Without a usage report (offline, or cut short) the figures are estimates.
  const finalUsage = usageReported
    ? reported
    : {
        inputTokens: prepared.messages.reduce((sum, m) => sum + estimateTokens(m.content), 0),
        outputTokens: content ? estimateTokens(content) : 0,
      };
  // Stored whatever happened to the client: this write is not tied to its signal.
  await withTenant(db, claims, (tx) =>
    finishReply(tx, {
      replyId: turn.replyId,
      content,
      complete,
      finishReason,
      model: agent.model,
      usage: finalUsage,
      usedObjectionIds: prepared.objections.map((o) => o.id),
      usedScriptIds: prepared.script ? [prepared.script.id] : [],
    }),
  );
  if (error) {
    const retryAfter = error.headers['retry-after'];
    emit({
      type: 'error',
      data: {
        code: error.code,
        message: error.message,
        ...(retryAfter ? { retryAfter: Number(retryAfter) } : {}),
      },
    });
  } else if (complete) {
    emit({ type: 'done', data: { messageId: turn.replyId, finishReason, usage: finalUsage } });
  }
  return { content, complete, finishReason, usage: finalUsage, lead, error };
}

export type { ChatRequest };
