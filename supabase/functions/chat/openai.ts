// POST /chat/v1/chat/completions: any OpenAI client talks to an agent (persona, knowledge, objection answers
// apply). Stateless like the OpenAI API itself: the caller sends the history; nothing is stored. The agent
// (`model`) is named by id or slug; GET /chat/v1/models lists them.
import { MAX_MESSAGE_LENGTH, openAiChatCompletion, openAiChatRequest } from '@closer/contract';
import { streamSSE } from 'hono/streaming';
import { access, authorize } from '../_shared/auth/access.ts';
import { tenant } from '../_shared/auth/middleware.ts';
import { tenantClaims } from '../_shared/auth/principal.ts';
import { meterReply } from '../_shared/billing/usage.ts';
import { coalesceDeltas } from '../_shared/chat/coalesce.ts';
import { type ChatTimings, groundedPrompt } from '../_shared/chat/engine.ts';
import { withIdleTimeout } from '../_shared/chat/idle.ts';
import { claimModelReply, type OrgCeilings } from '../_shared/chat/modelCeilings.ts';
import { ReplyText, replyCharLimit } from '../_shared/chat/replyText.ts';
import { SSE_HEADERS } from '../_shared/chat/sse.ts';
import type { FunctionApp } from '../_shared/http/app.ts';
import { ApiError, toApiError } from '../_shared/http/errors.ts';
import { route } from '../_shared/http/route.ts';
import { deploymentDefaults, withDeploymentModel } from '../_shared/llm/agentModel.ts';
import { UpstreamError } from '../_shared/llm/errors.ts';
import { observeProvider } from '../_shared/llm/observe.ts';
import type { LlmEvent, LlmProvider } from '../_shared/llm/types.ts';
import { logFailure } from '../_shared/log.ts';
import { openAiEventStream, openAiStreamDescription } from '../_shared/openapi/streams.ts';
import { MAX_PROMPT_HISTORY } from '../_shared/prompt/assemble.ts';
import { estimateTokens } from '../_shared/prompt/tokens.ts';
import { findAgentByRef } from '../_shared/resources/agents.ts';
import { stageFor } from '../_shared/retrieval/retrieve.ts';
import { embedQuestion } from '../_shared/retrieval/semantic.ts';
import { isSmallTalk } from '../_shared/retrieval/smallTalk.ts';

type Content = string | { type: string; text?: string | undefined }[] | null | undefined;
const text = (content: Content) =>
  typeof content === 'string' ? content : (content ?? []).map((part) => part.text ?? '').join('');

const spentTokens = (usage: { prompt_tokens: number; completion_tokens: number }) => ({
  inputTokens: usage.prompt_tokens,
  outputTokens: usage.completion_tokens,
});

const invalid = (path: (string | number)[], message: string) =>
  new ApiError('validation_failed', 'The request body is not valid', { details: [{ path, message }] });

const completions = route({
  summary: 'OpenAI Chat Completions with an agent: `model` is the agent id or slug; nothing is stored',
  body: openAiChatRequest,
  responses: {
    200: {
      description: openAiStreamDescription,
      content: { 'application/json': openAiChatCompletion, 'text/event-stream': openAiEventStream },
    },
  },
});

/** The caller's instructions join the agent's prompt: as much as an agent's persona may hold, no more. */
const MAX_EXTRA_INSTRUCTIONS = 8000;

export function registerOpenAiRoutes(
  app: FunctionApp,
  provider: LlmProvider,
  timings: ChatTimings,
  orgCeilings: OrgCeilings,
) {
  app.post('/v1/chat/completions', authorize(access.server), completions, async (c) => {
    const body = c.req.valid('json');
    const lastUser = body.messages.findLastIndex((m) => m.role === 'user');
    if (lastUser === -1) throw invalid(['messages'], 'must contain a user message');
    const message = text(body.messages[lastUser]!.content).trim();
    if (!message || message.length > MAX_MESSAGE_LENGTH) {
      throw invalid(['messages', lastUser, 'content'], `must be 1..${MAX_MESSAGE_LENGTH} characters`);
    }
    // Only the most recent turns can reach the model: older ones are not even read.
    const history = body.messages
      .slice(Math.max(0, lastUser - MAX_PROMPT_HISTORY), lastUser)
      .filter((m) => m.role === 'user' || m.role === 'assistant')
      .map((m) => ({ role: m.role as 'user' | 'assistant', content: text(m.content) }))
      .filter((m) => m.content !== '');
    const extraInstructions = body.messages
      .filter((m) => m.role === 'system' || m.role === 'developer')
      .map((m) => text(m.content))
      .join('\n')
      .trim();
    if (extraInstructions.length > MAX_EXTRA_INSTRUCTIONS) {
      throw invalid(
        ['messages'],
        `system and developer messages must total at most ${MAX_EXTRA_INSTRUCTIONS} characters (${extraInstructions.length} given)`,
      );
    }

    const requestId = c.var.requestId;
    const defaults = deploymentDefaults(c.var.runtime.env, requestId);
    const agent = await tenant(c, async (tx) => {
      const found = await findAgentByRef(tx, body.model);
      if (found.status !== 'active') throw new ApiError('forbidden', `${found.name} is paused`);
      return withDeploymentModel(found, defaults, requestId);
    });
    // Spend ceilings before the prompt is built: over one, no model is called.
    const spend = await claimModelReply(c.var.runtime.db, tenantClaims(c.var.principal), agent, orgCeilings);
    // Billing (off without STRIPE_SECRET_KEY): counted against the plan; over its allowance, as the plan says.
    const billed = await meterReply(c.var.runtime, tenantClaims(c.var.principal), provider).catch(
      spend.giveBack,
    );
    const visitorTurns = body.messages.slice(0, lastUser).filter((m) => m.role === 'user').length + 1;
    const question = embedQuestion(c.var.runtime.semantic, isSmallTalk(message) ? '' : message, requestId);
    const prompt = await tenant(c, (tx) =>
      groundedPrompt(tx, agent, {
        question,
        history,
        message,
        stage: stageFor(visitorTurns, false),
        hasLead: false,
        tools: false,
        ...(extraInstructions ? { extraInstructions } : {}),
      }),
    )
      .catch(billed.giveBack)
      .catch(spend.giveBack);

    const upstream = new AbortController();
    const onGone = () => upstream.abort();
    c.req.raw.signal.addEventListener('abort', onGone, { once: true });
    const observed = observeProvider(billed.provider, { requestId, audience: 'organization' });
    const events = withIdleTimeout(
      observed.stream(
        {
          model: agent.model,
          messages: prompt.messages,
          temperature: body.temperature ?? agent.temperature,
          maxTokens: body.max_completion_tokens ?? body.max_tokens ?? agent.maxTokens,
          grounding: prompt.grounding,
        },
        upstream.signal,
      ),
      { firstEventMs: timings.firstTokenTimeoutMs, idleMs: timings.idleTimeoutMs },
      onGone,
    );
    const maxTokens = body.max_completion_tokens ?? body.max_tokens ?? agent.maxTokens;
    const completion: Completion = {
      id: `chatcmpl-${crypto.randomUUID().replaceAll('-', '')}`,
      created: Math.floor(Date.now() / 1000),
      model: agent.slug,
      promptTokens: prompt.messages.reduce((sum, m) => sum + estimateTokens(m.content), 0),
      requestId: c.var.requestId,
    };
    const relay = async (onText: (text: string) => void) => {
      try {
        const result = await relayCompletion(
          events,
          new ReplyText(replyCharLimit(maxTokens)),
          onText,
          upstream,
        );
        await spend.settle(spentTokens(usageOf(completion, result)));
        return result;
      } finally {
        c.req.raw.signal.removeEventListener('abort', onGone);
      }
    };
    // Whatever ended the reply (a failure mid-stream included), the upstream request is over: free it.
    const releaseUpstream = () => upstream.abort();

    if (!body.stream) {
      const result = await relay(() => {});
      releaseUpstream();
      if (result.error) throw failureToApiError(result.error, completion.requestId);
      return c.json({
        id: completion.id,
        object: 'chat.completion',
        created: completion.created,
        model: completion.model,
        choices: [
          {
            index: 0,
            message: { role: 'assistant', content: result.content, refusal: null },
            logprobs: null,
            finish_reason: result.finish,
          },
        ],
        usage: usageOf(completion, result),
      });
    }

    const includeUsage = body.stream_options?.include_usage === true;
    const response = streamSSE(c, async (stream) => {
      stream.onAbort(onGone);
      const chunk = (choices: unknown[], extra = '') =>
        `data: {"id":"${completion.id}","object":"chat.completion.chunk","created":${completion.created},` +
        `"model":${JSON.stringify(completion.model)},"choices":${JSON.stringify(choices)}${extra}}\n\n`;
      const write = (text: string) => void stream.write(text).catch(() => undefined);
      const deltas = coalesceDeltas((text) =>
        write(chunk([{ index: 0, delta: { content: text }, finish_reason: null }])),
      );
      write(chunk([{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }]));
      try {
        const result = await relay((text) => deltas.push(text));
        deltas.flush();
        if (result.error) {
          if (upstream.signal.aborted && !(result.error instanceof UpstreamError)) return;
          const apiError = failureToApiError(result.error, completion.requestId);
          write(`data: ${JSON.stringify({ error: { message: apiError.message, code: apiError.code } })}\n\n`);
        } else {
          write(chunk([{ index: 0, delta: {}, finish_reason: result.finish }]));
          if (includeUsage) write(chunk([], `,"usage":${JSON.stringify(usageOf(completion, result))}`));
        }
      } catch (failure) {
        const apiError = failureToApiError(failure, completion.requestId);
        write(`data: ${JSON.stringify({ error: { message: apiError.message, code: apiError.code } })}\n\n`);
      } finally {
        deltas.close();
        write('data: [DONE]\n\n');
        releaseUpstream();
      }
    });
    for (const [name, value] of Object.entries(SSE_HEADERS)) response.headers.set(name, value);
    response.headers.delete('connection');
    response.headers.delete('transfer-encoding');
    return response;
  });
}

interface Completion {
  id: string;
  created: number;
  model: string;
  promptTokens: number;
  requestId: string;
}

interface RelayResult {
  content: string;
  finish: string;
  reported: { input: number; output: number } | null;
  error: unknown;
}

/** Reads the model's events into a sanitised, capped reply; a failure is returned, never thrown. */
async function relayCompletion(
  events: AsyncIterable<LlmEvent>,
  reply: ReplyText,
  onText: (text: string) => void,
  upstream: AbortController,
): Promise<RelayResult> {
  const result: RelayResult = { content: '', finish: 'stop', reported: null, error: null };
  try {
    for await (const event of events) {
      if (event.type === 'text') {
        const piece = reply.append(event.text);
        if (piece) onText(piece);
        if (reply.full) {
          upstream.abort();
          result.finish = 'length';
          break;
        }
      } else if (event.type === 'usage')
        result.reported = { input: event.inputTokens, output: event.outputTokens };
      else if (event.type === 'finish') result.finish = event.reason;
    }
    if (!reply.visible && !upstream.signal.aborted)
      result.error = new UpstreamError('the model sent no visible text', { status: 200 });
  } catch (failure) {
    result.error = failure;
  }
  result.content = reply.text;
  return result;
}

function usageOf(completion: Completion, result: RelayResult) {
  const prompt_tokens = result.reported?.input ?? completion.promptTokens;
  const completion_tokens = result.reported?.output ?? estimateTokens(result.content);
  return { prompt_tokens, completion_tokens, total_tokens: prompt_tokens + completion_tokens };
}

/** The caller's view of a failure; the cause is logged with the request id. */
function failureToApiError(failure: unknown, requestId: string): ApiError {
  if (failure instanceof UpstreamError) {
    // The observed provider logged and named its own failures; a reply with no visible text and the first-token
    // and idle timeouts are raised outside it, here: log them and name the request too.
    if (failure.requestId === undefined) {
      failure.requestId = requestId;
      failure.audience = 'organization';
      logFailure(failure, { level: 'warn', where: 'chat completions', requestId });
    }
    return failure.toApiError();
  }
  logFailure(failure, { where: 'chat completions', requestId });
  return toApiError(failure).code === 'unavailable'
    ? toApiError(failure)
    : new ApiError('internal', `The reply failed (request ${requestId})`);
}
