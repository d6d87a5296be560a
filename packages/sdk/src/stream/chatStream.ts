// ChatStream: a chat reply as a value — async-iterable events, the text alone, the final message, abort, and
// a ReadableStream to pipe through a server route. Leaving a `for await` early aborts the request.
import type { ChatEvent } from '@closer/contract';
import { createParser } from 'eventsource-parser';
import { type CloserError, ConnectionError, StreamError, TimeoutError } from '../core/errors.ts';
import { toChatEvent } from './events.ts';

export interface ChatResult {
  conversationId: string;
  messageId: string;
  /** Only on the first reply of a conversation. */
  visitorToken?: string;
  text: string;
  finishReason: string;
  usage: { inputTokens: number; outputTokens: number };
  lead?: Extract<ChatEvent, { type: 'lead' }>['data'];
  /** Quick replies offered for the next message (a `suggestions` event); absent when none came. */
  suggestions?: Extract<ChatEvent, { type: 'suggestions' }>['data']['suggestions'];
}

export interface ChatStreamOptions {
  /** Longest quiet spell before the stream fails with TimeoutError (the server pings every 15 s). */
  idleTimeoutMs: number;
  /** Extra check of each event (the full client passes the contract's schemas). */
  check?: ((event: ChatEvent) => void) | undefined;
  /** Told of `start`, so the client can remember the conversation's visitor token. */
  onStart?: ((start: Extract<ChatEvent, { type: 'start' }>['data']) => void) | undefined;
}

export class ChatStream implements AsyncIterable<ChatEvent> {
  readonly controller: AbortController;
  #response: Promise<Response>;
  #options: ChatStreamOptions;
  #consumed = false;
  #result: Promise<ChatResult> | undefined;

  /** `open` starts the request with the stream's own signal; it rejects with a CloserError for HTTP errors. */
  constructor(
    open: (signal: AbortSignal) => Promise<Response>,
    options: ChatStreamOptions,
    signal?: AbortSignal,
  ) {
    this.controller = new AbortController();
    if (signal) {
      if (signal.aborted) this.controller.abort(signal.reason);
      else signal.addEventListener('abort', () => this.controller.abort(signal.reason), { once: true });
    }
    this.#options = options;
    this.#response = open(this.controller.signal);
    // Unobserved until iterated: keep an early failure from being reported as unhandled.
    this.#response.catch(() => undefined);
  }

  /** Stops the reply: the server stores what was produced, marked interrupted. */
  abort(): void {
    this.controller.abort();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<ChatEvent> {
    if (this.#consumed)
      throw new StreamError('This stream was already consumed: read it once (or use finalMessage())');
    this.#consumed = true;
    const response = await this.#response;
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    const queue: ChatEvent[] = [];
    let failure: CloserError | null = null;
    const parser = createParser({
      onEvent: (message) => {
        try {
          const event = toChatEvent(message.event, message.data);
          if (!event) return;
          this.#options.check?.(event);
          if (event.type === 'start') this.#options.onStart?.(event.data);
          queue.push(event);
        } catch (error) {
          failure = new StreamError(`The chat stream sent an unreadable event: ${(error as Error).message}`, {
            cause: error,
          });
        }
      },
    });
    let finished = false;
    try {
      while (!finished) {
        const { value, done } = await this.#read(reader);
        if (done) break;
        parser.feed(decoder.decode(value, { stream: true }));
        if (failure) throw failure;
        while (queue.length && !this.controller.signal.aborted) {
          const event = queue.shift()!;
          if (event.type === 'done' || event.type === 'error') finished = true;
          yield event;
        }
      }
      if (!finished && !this.controller.signal.aborted) {
        throw new StreamError('The chat stream ended before the reply was complete');
      }
    } finally {
      // A consumer that stops early (break, return, throw) ends the request.
      if (!finished) this.controller.abort();
      reader.releaseLock();
    }
  }

  async #read(reader: ReadableStreamDefaultReader<Uint8Array>) {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let onAbort: (() => void) | undefined;
    const signal = this.controller.signal;
    // Not every fetch errors the body when its signal aborts: stop reading on abort ourselves.
    const aborted = new Promise<{ done: true; value: undefined }>((resolve) => {
      onAbort = () => {
        void reader.cancel().catch(() => undefined);
        resolve({ done: true, value: undefined });
      };
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
    });
    const idle = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        // Reject before aborting: the abort would otherwise end the read as a plain finish.
        reject(new TimeoutError(`The chat stream sent nothing for ${this.#options.idleTimeoutMs} ms`));
        this.controller.abort();
      }, this.#options.idleTimeoutMs);
    });
    try {
      return await Promise.race([reader.read(), idle, aborted]);
    } catch (error) {
      if (error instanceof TimeoutError) throw error;
      if (this.controller.signal.aborted) return { done: true as const, value: undefined };
      throw new ConnectionError(`The chat stream broke: ${(error as Error).message}`, { cause: error });
    } finally {
      clearTimeout(timer);
      if (onAbort) signal.removeEventListener('abort', onAbort);
    }
  }

  /** The reply's text as it arrives. */
  get textStream(): AsyncIterable<string> {
    const events = this;
    return {
      async *[Symbol.asyncIterator]() {
        for await (const event of events) {
          if (event.type === 'delta') yield event.data.text;
          else if (event.type === 'error') throw streamFailure(event.data);
        }
      },
    };
  }

  /** Reads the whole stream; the reply once it is done. An `error` event rejects with StreamError. */
  finalMessage(): Promise<ChatResult> {
    this.#result ??= (async () => {
      let text = '';
      let start: Extract<ChatEvent, { type: 'start' }>['data'] | undefined;
      let lead: ChatResult['lead'];
      let suggestions: ChatResult['suggestions'];
      for await (const event of this) {
        if (event.type === 'start') start = event.data;
        else if (event.type === 'suggestions') suggestions = event.data.suggestions;
        else if (event.type === 'delta') text += event.data.text;
        else if (event.type === 'lead') lead = event.data;
        else if (event.type === 'error') throw streamFailure(event.data);
        else if (event.type === 'done' && start) {
          return {
            conversationId: start.conversationId,
            messageId: event.data.messageId,
            ...(start.visitorToken ? { visitorToken: start.visitorToken } : {}),
            text,
            finishReason: event.data.finishReason,
            usage: event.data.usage,
            ...(lead ? { lead } : {}),
            ...(suggestions ? { suggestions } : {}),
          };
        }
      }
      throw new StreamError('The chat stream ended without a reply');
    })();
    return this.#result;
  }

  /** The events again as Server-Sent Events bytes, in the same wire format, for a server route to pass on. */
  toReadableStream(): ReadableStream<Uint8Array> {
    const encoder = new TextEncoder();
    const iterator = this[Symbol.asyncIterator]();
    return new ReadableStream({
      async pull(controller) {
        try {
          const { value, done } = await iterator.next();
          if (done) controller.close();
          else
            controller.enqueue(
              encoder.encode(`event: ${value.type}\ndata: ${JSON.stringify(value.data)}\n\n`),
            );
        } catch (error) {
          controller.error(error);
        }
      },
      async cancel() {
        await iterator.return?.();
      },
    });
  }
}

function streamFailure(data: {
  code: string;
  message: string;
  retryAfter?: number | undefined;
}): StreamError {
  const error = new StreamError(data.message, { code: data.code });
  if (data.retryAfter !== undefined) Object.assign(error, { retryAfter: data.retryAfter });
  return error;
}
