// ConversationEvents: a conversation's live channel as an async iterable that reconnects by itself — after the
// server ends a stream (it does so before the edge runtime's wall-clock limit), a network failure or a quiet
// spell — resuming with Last-Event-ID, so no stored event is lost or seen twice. Leaving the loop stops it.
import type { ConversationEvent } from '@closer/contract';
import { createParser } from 'eventsource-parser';
import { CloserError, StreamError } from '../core/errors.ts';

export interface ConversationEventsOptions {
  /** The last event id already seen (e.g. kept across a page reload); absent: every event from the start. */
  lastEventId?: string | undefined;
  /** Longest quiet spell before reconnecting, ms (the server pings every 15 s). */
  idleTimeoutMs: number;
  /**
   * Wait before reconnecting after a failure, ms; doubled on each failure in a row, up to 30 s. A stream that
   * ended cleanly reconnects after the server's `retry` (1 s).
   * @default 1000
   */
  retryMs?: number | undefined;
  /** Told each time a connection is answered (the first, and every reconnection). */
  onOpen?: (() => void) | undefined;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;
const KNOWN = new Set(['message', 'state', 'typing']);

/** An error that reconnecting cannot fix: credentials refused, conversation not found, a bad request. */
const isFinal = (error: unknown) =>
  error instanceof CloserError && [400, 401, 403, 404, 422].includes(error.status);

type Open = (signal: AbortSignal, lastEventId: string | undefined) => Promise<Response>;

/** Any live channel's event: a conversation's, or the organisation's (`conversations.events()`). */
interface LiveEvent {
  type: string;
  id?: string | undefined;
}

export class ConversationEvents<E extends LiveEvent = ConversationEvent> implements AsyncIterable<E> {
  readonly controller = new AbortController();
  #open: Open;
  #options: ConversationEventsOptions;
  #lastEventId: string | undefined;
  #consumed = false;
  /** The server's reconnection delay (its `retry` field). */
  #retry = 1000;

  /** `open` makes one request with the stream's signal and the Last-Event-ID to resume after. */
  constructor(open: Open, options: ConversationEventsOptions, signal?: AbortSignal) {
    this.#open = open;
    this.#options = options;
    this.#lastEventId = options.lastEventId;
    if (signal?.aborted) this.controller.abort(signal.reason);
    else signal?.addEventListener('abort', () => this.controller.abort(signal.reason), { once: true });
  }

  /** The id of the last stored event received: keep it to resume after a reload. */
  get lastEventId(): string | undefined {
    return this.#lastEventId;
  }

  /** Stops the channel: the request ends and the loop finishes. */
  abort(): void {
    this.controller.abort();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<E> {
    if (this.#consumed) throw new StreamError('Already read: call events() again');
    this.#consumed = true;
    const signal = this.controller.signal;
    let failures = 0;
    try {
      while (!signal.aborted) {
        let wait = 0;
        try {
          for await (const event of this.#connect()) {
            failures = 0;
            yield event;
          }
          wait = this.#retry;
        } catch (error) {
          if (signal.aborted) return;
          if (isFinal(error)) throw error;
          wait = Math.min(30_000, (this.#options.retryMs ?? 1000) * 2 ** failures++);
        }
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, wait);
          signal.addEventListener(
            'abort',
            () => {
              clearTimeout(timer);
              resolve();
            },
            { once: true },
          );
        });
      }
    } finally {
      this.controller.abort();
    }
  }

  /** One connection: its events until the server ends it or it fails (thrown). */
  async *#connect(): AsyncGenerator<E> {
    const attempt = new AbortController();
    const stop = () => attempt.abort();
    this.controller.signal.addEventListener('abort', stop, { once: true });
    let idle: ReturnType<typeof setTimeout> | undefined;
    let quiet = false;
    const awake = () => {
      clearTimeout(idle);
      idle = setTimeout(() => {
        quiet = true;
        attempt.abort();
      }, this.#options.idleTimeoutMs);
    };
    try {
      awake();
      const response = await this.#open(attempt.signal, this.#lastEventId);
      this.#options.onOpen?.();
      const queue: E[] = [];
      let ended: Record<string, unknown> | null = null;
      const parser = createParser({
        onEvent: ({ event, id, data }) => {
          const parsed: unknown = JSON.parse(data);
          if (event === 'error' && isObject(parsed)) ended = parsed;
          if (!event || !KNOWN.has(event) || !isObject(parsed)) return;
          queue.push({ type: event, ...(id ? { id } : {}), data: parsed } as unknown as E);
        },
        onRetry: (ms) => {
          this.#retry = ms;
        },
        onComment: awake,
      });
      const reader = response.body!.getReader();
      const decoder = new TextDecoder();
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          awake();
          parser.feed(decoder.decode(value, { stream: true }));
          while (queue.length) {
            const event = queue.shift()!;
            if (event.id) this.#lastEventId = event.id;
            yield event;
          }
          // The server ended the stream over a failure of its own (the database): reconnect after a pause.
          if (ended)
            throw new StreamError(String((ended as { message?: unknown }).message ?? 'stream error'));
        }
      } finally {
        reader.cancel().catch(() => undefined);
      }
    } catch (error) {
      // A quiet spell is a reason to reconnect, like a broken connection; the caller's abort ends quietly.
      if (this.controller.signal.aborted) return;
      if (quiet) throw new CloserError('The live channel went quiet', { cause: error });
      throw error;
    } finally {
      clearTimeout(idle);
      this.controller.signal.removeEventListener('abort', stop);
    }
  }
}
