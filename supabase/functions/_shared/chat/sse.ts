// Server-Sent Events for the chat stream: one event per write, `: ping` comments while idle,
// headers that keep proxies from buffering, and an abort when the client goes away.
import type { ChatEvent } from '@closer/contract';

export const STREAM_VERSION = '1';

export const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache, no-transform',
  'x-accel-buffering': 'no',
  'x-closer-stream-version': STREAM_VERSION,
};

export type Emit = (event: ChatEvent) => void;

export interface SseOptions {
  /** Aborts when the client disconnects (the request's signal). */
  signal: AbortSignal;
  pingMs: number;
  headers?: Record<string, string>;
}

/**
 * Starts the response at once and runs `produce` with an `emit` and a signal that aborts when the client
 * leaves (request aborted or stream cancelled). `produce` must not throw: errors become `error` events.
 */
export function sseResponse(
  produce: (emit: Emit, signal: AbortSignal) => Promise<void>,
  options: SseOptions,
): Response {
  const encoder = new TextEncoder();
  const gone = new AbortController();
  const onAbort = () => gone.abort();
  options.signal.addEventListener('abort', onAbort, { once: true });
  let timer: ReturnType<typeof setInterval> | undefined;
  let lastWrite = Date.now();

  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      const write = (text: string) => {
        if (gone.signal.aborted) return;
        try {
          controller.enqueue(encoder.encode(text));
          lastWrite = Date.now();
        } catch {
          gone.abort();
        }
      };
      timer = setInterval(
        () => {
          if (Date.now() - lastWrite >= options.pingMs) write(': ping\n\n');
        },
        Math.max(10, Math.floor(options.pingMs / 3)),
      );
      const emit: Emit = (event) => write(`event: ${event.type}\ndata: ${JSON.stringify(event.data)}\n\n`);
      write(': stream open\n\n');
      void produce(emit, gone.signal).finally(() => {
        clearInterval(timer);
        options.signal.removeEventListener('abort', onAbort);
        if (!gone.signal.aborted) {
          try {
            controller.close();
          } catch {
            // already closed by a cancel
          }
        }
      });
    },
    cancel() {
      clearInterval(timer);
      gone.abort();
    },
  });
  return new Response(body, { status: 200, headers: { ...SSE_HEADERS, ...options.headers } });
}
