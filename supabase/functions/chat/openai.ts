// POST /chat/v1/chat/completions: any OpenAI client talks to an agent (persona, knowledge, objection answers
// apply). Stateless like the OpenAI API itself: the caller sends the history; nothing is stored. The agent
// (`model`) is named by id or slug; GET /chat/v1/models lists them.
import { MAX_MESSAGE_LENGTH, openAiChatRequest } from '@closer/contract';
import { authenticate, tenant } from '../_shared/auth/middleware.ts';
import { type ChatTimings, groundedPrompt } from '../_shared/chat/engine.ts';
import { withIdleTimeout } from '../_shared/chat/idle.ts';
import { SSE_HEADERS } from '../_shared/chat/sse.ts';
import type { FunctionApp } from '../_shared/http/app.ts';
import { ApiError } from '../_shared/http/errors.ts';
import { readJson } from '../_shared/http/validate.ts';
import { deploymentDefaults, withDeploymentModel } from '../_shared/llm/agentModel.ts';
import { UpstreamError } from '../_shared/llm/errors.ts';
import { observeProvider } from '../_shared/llm/observe.ts';
import type { LlmProvider } from '../_shared/llm/types.ts';
import { logFailure } from '../_shared/log.ts';
import { MAX_PROMPT_HISTORY } from '../_shared/prompt/assemble.ts';
import { estimateTokens } from '../_shared/prompt/tokens.ts';
import { findAgentByRef } from '../_shared/resources/agents.ts';
import { stageFor } from '../_shared/retrieval/retrieve.ts';

type Content = string | { type: string; text?: string | undefined }[] | null | undefined;
const text = (content: Content) =>
  typeof content === 'string' ? content : (content ?? []).map((part) => part.text ?? '').join('');

const invalid = (path: (string | number)[], message: string) =>
  new ApiError('validation_failed', 'The request body is not valid', { details: [{ path, message }] });

export function registerOpenAiRoutes(app: FunctionApp, provider: LlmProvider, timings: ChatTimings) {
  app.post('/v1/chat/completions', authenticate(['secret']), async (c) => {
    const body = await readJson(c, openAiChatRequest);
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

    const requestId = c.var.requestId;
    const defaults = deploymentDefaults(c.var.runtime.env, requestId);
    const { agent, prompt } = await tenant(c, async (tx) => {
      const found = await findAgentByRef(tx, body.model);
      if (found.status !== 'active') throw new ApiError('forbidden', `${found.name} is paused`);
      const agent = withDeploymentModel(found, defaults, requestId);
      const visitorTurns = body.messages.slice(0, lastUser).filter((m) => m.role === 'user').length + 1;
      const prompt = await groundedPrompt(tx, agent, {
        history,
        message,
        stage: stageFor(visitorTurns, false),
        hasLead: false,
        tools: false,
        ...(extraInstructions ? { extraInstructions } : {}),
      });
      return { agent, prompt };
    });

    const upstream = new AbortController();
    const onGone = () => upstream.abort();
    c.req.raw.signal.addEventListener('abort', onGone, { once: true });
    const observed = observeProvider(provider, { requestId, audience: 'organization' });
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
      timings.idleTimeoutMs,
      onGone,
    );
    const id = `chatcmpl-${crypto.randomUUID().replaceAll('-', '')}`;
    const created = Math.floor(Date.now() / 1000);
    const model = agent.slug;
    const promptTokens = prompt.messages.reduce((sum, m) => sum + estimateTokens(m.content), 0);
    const usageOf = (reported: { input: number; output: number } | null, content: string) => {
      const prompt_tokens = reported?.input ?? promptTokens;
      const completion_tokens = reported?.output ?? estimateTokens(content);
      return { prompt_tokens, completion_tokens, total_tokens: prompt_tokens + completion_tokens };
    };

    if (!body.stream) {
      let content = '';
      let finish = 'stop';
      let reported: { input: number; output: number } | null = null;
      try {
        for await (const event of events) {
          if (event.type === 'text') content += event.text;
          else if (event.type === 'usage')
            reported = { input: event.inputTokens, output: event.outputTokens };
          else if (event.type === 'finish') finish = event.reason;
        }
      } catch (error) {
        throw error instanceof UpstreamError ? error.toApiError() : error;
      } finally {
        c.req.raw.signal.removeEventListener('abort', onGone);
      }
      return c.json({
        id,
        object: 'chat.completion',
        created,
        model,
        choices: [
          {
            index: 0,
            message: { role: 'assistant', content, refusal: null },
            logprobs: null,
            finish_reason: finish,
          },
        ],
        usage: usageOf(reported, content),
      });
    }

    const encoder = new TextEncoder();
    const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) =>
      encoder.encode(
        `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model, choices, ...extra })}\n\n`,
      );
    const includeUsage = body.stream_options?.include_usage === true;
    const stream = new ReadableStream<Uint8Array>({
      async start(controller) {
        let content = '';
        let finish = 'stop';
        let reported: { input: number; output: number } | null = null;
        try {
          controller.enqueue(
            chunk([{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }]),
          );
          for await (const event of events) {
            if (event.type === 'text') {
              content += event.text;
              controller.enqueue(chunk([{ index: 0, delta: { content: event.text }, finish_reason: null }]));
            } else if (event.type === 'usage')
              reported = { input: event.inputTokens, output: event.outputTokens };
            else if (event.type === 'finish') finish = event.reason;
          }
          controller.enqueue(chunk([{ index: 0, delta: {}, finish_reason: finish }]));
          if (includeUsage) controller.enqueue(chunk([], { usage: usageOf(reported, content) }));
        } catch (error) {
          if (!upstream.signal.aborted || error instanceof UpstreamError) {
            if (!(error instanceof UpstreamError))
              logFailure(error, { where: 'chat completions', requestId });
            const apiError =
              error instanceof UpstreamError
                ? error.toApiError()
                : new ApiError('internal', `The reply failed (request ${requestId})`);
            controller.enqueue(
              encoder.encode(
                `data: ${JSON.stringify({ error: { message: apiError.message, code: apiError.code } })}\n\n`,
              ),
            );
          }
        } finally {
          c.req.raw.signal.removeEventListener('abort', onGone);
          try {
            controller.enqueue(encoder.encode('data: [DONE]\n\n'));
            controller.close();
          } catch {
            // the client is gone
          }
        }
      },
      cancel() {
        upstream.abort();
      },
    });
    return new Response(stream, { headers: { ...SSE_HEADERS, 'x-request-id': c.var.requestId } });
  });
}
