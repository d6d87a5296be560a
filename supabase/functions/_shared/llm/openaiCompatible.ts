// Streams chat completions from any OpenAI-compatible server (OpenAI, Ollama, vLLM, LM Studio, OpenRouter).
import { createParser } from 'eventsource-parser';
import { clipText } from '../text.ts';
import { UpstreamError, upstreamErrorFrom } from './errors.ts';
import { finishReasonOf } from './finishReason.ts';
import { ThinkFilter } from './thinkTags.ts';
import { ToolCallAssembler } from './toolCalls.ts';
import type { LlmEvent, LlmMessage, LlmProvider, LlmRequest } from './types.ts';
import { tokenCount } from './usage.ts';
import { bodyKind, completionAsStream } from './wholeCompletion.ts';

/**
 * The most one upstream stream may send, in bytes, before it is cut with an upstream error: far above an
 * honest reply (32,000 tokens in chunks is a few MiB), far below what would exhaust an instance's memory.
 */
export const MAX_UPSTREAM_BYTES = 16 * 1024 * 1024;

export interface OpenAiCompatibleOptions {
  name: 'openrouter' | 'openai-compatible';
  baseUrl: string;
  apiKey?: string | undefined;
  headers?: Record<string, string>;
  /** Resolved at call time, so tests and runtimes can swap it. */
  fetch?: typeof fetch;
}

/** A chat.completion.chunk as it may arrive: every field is checked before use. */
interface Chunk {
  error?: unknown;
  choices?: unknown;
  usage?: { prompt_tokens?: unknown; completion_tokens?: unknown } | null;
}

interface Choice {
  index?: unknown;
  delta?: { content?: unknown; tool_calls?: unknown } | null;
  finish_reason?: unknown;
}

function wireMessage(message: LlmMessage): Record<string, unknown> {
  if (message.role === 'tool')
    return { role: 'tool', tool_call_id: message.toolCallId, content: message.content };
  if (message.toolCalls?.length) {
    return {
      role: 'assistant',
      content: message.content || null,
      tool_calls: message.toolCalls.map((call) => ({
        id: call.id,
        type: 'function',
        function: { name: call.name, arguments: call.arguments },
      })),
    };
  }
  return { role: message.role, content: message.content };
}

export function requestBody(request: LlmRequest): Record<string, unknown> {
  return {
    model: request.model,
    messages: request.messages.map(wireMessage),
    temperature: request.temperature,
    max_tokens: request.maxTokens,
    stream: true,
    stream_options: { include_usage: true },
    ...(request.tools?.length
      ? {
          tools: request.tools.map((tool) => ({
            type: 'function',
            function: { name: tool.name, description: tool.description, parameters: tool.parameters },
          })),
        }
      : {}),
  };
}

export function createOpenAiCompatibleProvider(options: OpenAiCompatibleOptions): LlmProvider {
  return {
    name: options.name,
    async *stream(request, signal) {
      let response: Response;
      try {
        response = await (options.fetch ?? fetch)(`${options.baseUrl}/chat/completions`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            accept: 'text/event-stream',
            ...(options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {}),
            ...options.headers,
          },
          body: JSON.stringify(requestBody(request)),
          signal,
        });
      } catch (error) {
        if (signal.aborted) throw error;
        // The address stays in the log (the cause); the message may reach the organisation's callers.
        throw new UpstreamError(`could not reach the model server (${networkCode(error)})`, {
          status: 0,
          cause: error,
        });
      }
      if (!response.ok || !response.body) throw await upstreamErrorFrom(response);
      const kind = bodyKind(response.headers.get('content-type'));
      if (kind === 'other') {
        // A proxy's HTML page, plain text: not the model's answer (its words stay out of every message).
        void response.body.cancel().catch(() => undefined);
        throw new UpstreamError(`answered ${contentTypeName(response)} instead of a stream`, { status: 200 });
      }
      const body =
        kind === 'json' ? await completionAsStream(response.body, MAX_UPSTREAM_BYTES) : response.body;
      yield* parseStream(body, signal);
    },
  };
}

/** The media type of an answer, without parameters, for messages (`text/html`). */
function contentTypeName(response: Response): string {
  const type = (response.headers.get('content-type') ?? '').split(';')[0]!.trim().slice(0, 60);
  return /^[\w.+-]+\/[\w.+-]+$/.test(type) ? type : 'something else';
}

/** The words of an error chunk (`{error: {message}}` or `{error: "…"}`), capped: a server may send anything. */
function streamErrorMessage(error: unknown): string {
  const message = typeof error === 'string' ? error : (error as { message?: unknown } | null)?.message;
  return typeof message === 'string' && message !== '' ? clipText(message, 300) : 'error inside the stream';
}

/**
 * The visible text of `delta.content`: a string, or a list of parts as Mistral's reasoning models send it
 * (`[{type: "thinking", thinking: […]}, {type: "text", text: "…"}]`), whose text parts alone are shown.
 */
function contentOf(content: unknown): { text: string; thinking: boolean } {
  if (typeof content === 'string') return { text: content, thinking: false };
  if (!Array.isArray(content)) return { text: '', thinking: false };
  let text = '';
  let thinking = false;
  for (const part of content as unknown[]) {
    const { type, text: words } = (part ?? {}) as { type?: unknown; text?: unknown };
    if (type === 'text' && typeof words === 'string') text += words;
    else if (type === 'thinking' || type === 'reasoning') thinking = true;
  }
  return { text, thinking };
}

/** Choice 0, or a choice without an index (servers that send one choice often leave it out). */
function isFirstChoice(choice: Choice | null): boolean {
  const index = choice?.index;
  return index === undefined || index === null || Number(index) === 0;
}

/** A delta carrying the model's reasoning (`reasoning`, `reasoning_content`, `reasoning_details`). */
function isReasoning(delta: unknown): boolean {
  if (typeof delta !== 'object' || delta === null) return false;
  const d = delta as Record<string, unknown>;
  return Boolean(d.reasoning || d.reasoning_content || d.reasoning_details);
}

/** `ECONNREFUSED`, `ENOTFOUND`, … from a fetch failure's cause, without the address it carries. */
function networkCode(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown } } | null)?.cause;
  return typeof cause?.code === 'string' && /^[A-Z_]+$/.test(cause.code) ? cause.code : 'network error';
}

/**
 * Every failure reading the body (a reset connection, "TypeError: terminated", a proxy cutting the stream) is
 * the upstream's failure; only our own abort is not.
 */
async function readOrFail(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  signal: AbortSignal,
): Promise<{ done: true } | { done: false; value: Uint8Array }> {
  try {
    const read = await reader.read();
    return read.done ? { done: true } : { done: false, value: read.value };
  } catch (error) {
    if (signal.aborted) return { done: true };
    throw new UpstreamError(`the connection broke while the reply was streaming (${networkCode(error)})`, {
      status: 0,
      cause: error,
    });
  }
}

/** Turns an SSE body of chat.completion.chunk objects into LlmEvents; comment lines are skipped by the parser. */
export async function* parseStream(
  body: ReadableStream<Uint8Array>,
  signal: AbortSignal,
  options: { maxBytes?: number } = {},
): AsyncIterable<LlmEvent> {
  const maxBytes = options.maxBytes ?? MAX_UPSTREAM_BYTES;
  let received = 0;
  const pending: LlmEvent[] = [];
  const calls = new ToolCallAssembler();
  let failure: UpstreamError | null = null;
  let done = false;
  let finish: string | null = null;
  // Usage is cumulative for the whole request, and some servers (vLLM's continuous usage stats) repeat it on
  // every chunk: the last report is the reply's, so it is yielded once at the end rather than added up.
  let usage: LlmEvent | null = null;
  const thoughts = new ThinkFilter();

  const parser = createParser({
    onEvent(event) {
      if (done || failure) return;
      // Keep-alives some servers and proxies send (`event: ping`, an empty `data:`) carry no chunk.
      if (event.event && event.event !== 'message') {
        if (event.event === 'error') failure = new UpstreamError('sent an error event', { status: 200 });
        return;
      }
      const data = event.data.trim();
      if (data === '') return;
      // Some servers pad the marker (`data: [DONE] `): whitespace around it is no reason to fail a whole reply.
      if (data === '[DONE]') {
        done = true;
        return;
      }
      let chunk: Chunk;
      try {
        chunk = JSON.parse(event.data) as Chunk;
      } catch {
        failure = new UpstreamError('sent a stream event that is not JSON', { status: 200 });
        return;
      }
      if (typeof chunk !== 'object' || chunk === null) return;
      // OpenRouter reports a failure mid-stream inside a 200: one chunk with a top-level error.
      if (chunk.error) {
        failure = new UpstreamError(streamErrorMessage(chunk.error), { status: 200 });
        return;
      }
      for (const choice of (Array.isArray(chunk.choices) ? chunk.choices : []) as (Choice | null)[]) {
        // One reply is asked for; a server that sends more choices (`n` > 1, alternatives) has them skipped.
        if (!isFirstChoice(choice)) continue;
        const delta = typeof choice?.delta === 'object' ? choice.delta : null;
        // Only `content` is visible text: `reasoning` / `reasoning_content` are the model's notes, never shown,
        // and so is thinking written inline as <think>…</think>.
        const { text, thinking: thinkingParts } = contentOf(delta?.content);
        if (text !== '') {
          const { visible, thinking } = thoughts.push(text);
          if (visible) pending.push({ type: 'text', text: visible });
          else if (thinking) pending.push({ type: 'thinking' });
        } else if (thinkingParts || isReasoning(delta)) pending.push({ type: 'thinking' });
        for (const part of Array.isArray(delta?.tool_calls) ? delta.tool_calls : []) calls.add(part);
        finish = finishReasonOf(choice?.finish_reason) ?? finish;
      }
      // A usage report is believed only when both counts read as counts; otherwise the engine estimates.
      if (chunk.usage && typeof chunk.usage === 'object') {
        const inputTokens = tokenCount(chunk.usage.prompt_tokens ?? 0);
        const outputTokens = tokenCount(chunk.usage.completion_tokens ?? 0);
        if (inputTokens !== null && outputTokens !== null)
          usage = { type: 'usage', inputTokens, outputTokens };
      }
    },
  });

  const reader = body.getReader();
  const decoder = new TextDecoder();
  // A body that stops sending never resolves its read: cancelling on abort releases it.
  const cancel = () => void reader.cancel().catch(() => undefined);
  signal.addEventListener('abort', cancel, { once: true });
  try {
    while (!done) {
      const read = await readOrFail(reader, signal);
      if (read.done) break;
      const { value } = read;
      received += value.byteLength;
      if (received > maxBytes) {
        throw new UpstreamError(`the stream grew past ${Math.round(maxBytes / 1024 / 1024)} MiB`, {
          status: 200,
        });
      }
      // stream: true keeps a multi-byte character split across chunks whole.
      parser.feed(decoder.decode(value, { stream: true }));
      while (pending.length) yield pending.shift()!;
      if (failure) throw failure;
    }
  } finally {
    signal.removeEventListener('abort', cancel);
    // Not awaited: cancelling a body that is still being sent can wait for the sender (it did, until the idle
    // timeout, after a line that is not JSON); the caller aborts the request as well.
    if (!done) void reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
  if (signal.aborted) return;
  if (finish === 'error')
    throw new UpstreamError('the model ended the stream with an error', { status: 200 });
  const tail = thoughts.end();
  if (tail) yield { type: 'text', text: tail };
  if (usage) yield usage;
  for (const call of calls.calls()) yield { type: 'tool_call', call };
  if (!done && finish === null)
    throw new UpstreamError('the stream ended before the reply was complete', { status: 200 });
  yield { type: 'finish', reason: finish ?? 'stop' };
}
