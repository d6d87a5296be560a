// Server-Sent Events for the chat stream, over Hono's streamSSE: the response starts at once, deltas are
// coalesced into few writes, `: ping` comments keep idle streams open, a client that leaves aborts the work,
// and whatever `produce` does — throw included — the stream ends with `done` or `error` and the process lives.
import type { ChatEvent } from '@closer/contract';
import type { Context } from 'hono';
import { streamSSE } from 'hono/streaming';
import { type CoalesceOptions, coalesceDeltas } from './coalesce.ts';
import { relayIntervalMs, relayingReply } from './relayLoad.ts';

export const STREAM_VERSION = '1';

export const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-store, no-transform',
  'x-accel-buffering': 'no',
  'x-closer-stream-version': STREAM_VERSION,
};

export type Emit = (event: ChatEvent) => void;

export interface SseOptions {
  /** Idle time before a `: ping` comment, in milliseconds. */
  pingMs: number;
  /** Named in the log line of a failure. */
  requestId: string;
  coalesce?: CoalesceOptions;
}

/** One event as its wire text; a delta is written without building an object. */
function eventText(event: ChatEvent): string {
  if (event.type === 'delta') return `event: delta\ndata: {"text":${JSON.stringify(event.data.text)}}\n\n`;
  return `event: ${event.type}\ndata: ${JSON.stringify(event.data)}\n\n`;
}

/**
 * Answers with an event stream and runs `produce` with an `emit` and a signal that aborts when the client
 * leaves. `produce` should end with `done` or `error`; if it throws or ends without either, the failure is
 * logged with the request id and the stream ends with an `internal` error event.
 */
export function sseResponse(
  c: Context,
  produce: (emit: Emit, signal: AbortSignal) => Promise<void>,
  options: SseOptions,
): Response {
  const gone = new AbortController();
  const leave = () => gone.abort();
  const requestSignal = c.req.raw.signal;
  requestSignal.addEventListener('abort', leave, { once: true });

  const response = streamSSE(c, async (stream) => {
    stream.onAbort(leave);
    let lastWrite = performance.now();
    let ended = false;
    // Writes are queued in order by the stream's writer; a write to a departed client resolves quietly.
    const write = (text: string) => {
      if (gone.signal.aborted) return;
      lastWrite = performance.now();
      stream.write(text).catch(() => undefined);
    };
    // Counted as relaying from its first text on: running replies gather longer while turns are prepared.
    let relayed: (() => void) | undefined;
    const deltas = coalesceDeltas(
      (text) => {
        relayed ??= relayingReply();
        write(eventText({ type: 'delta', data: { text } }));
      },
      { intervalMs: relayIntervalMs, ...options.coalesce },
    );
    const emit: Emit = (event) => {
      if (ended) return;
      if (event.type === 'delta') return deltas.push(event.data.text);
      deltas.flush();
      if (event.type === 'done' || event.type === 'error') ended = true;
      write(eventText(event));
    };
    const ping = setInterval(
      () => {
        if (performance.now() - lastWrite >= options.pingMs) write(': ping\n\n');
      },
      Math.max(10, Math.floor(options.pingMs / 3)),
    );
    write(': stream open\n\n');
    try {
      await produce(emit, gone.signal);
      if (!ended && !gone.signal.aborted) throw new Error('the reply ended without done or error');
    } catch (failure) {
      console.error(
        JSON.stringify({
          level: 'error',
          where: 'chat stream',
          requestId: options.requestId,
          error: String(failure),
          stack: (failure as Error)?.stack,
        }),
      );
      emit({
        type: 'error',
        data: { code: 'internal', message: `The reply failed (request ${options.requestId})` },
      });
    } finally {
      deltas.close();
      relayed?.();
      clearInterval(ping);
      requestSignal.removeEventListener('abort', leave);
    }
  });
  // streamSSE's own headers (`cache-control: no-cache`) sit in the context and would be merged back over ours.
  for (const [name, value] of Object.entries(SSE_HEADERS)) {
    c.header(name, value);
    response.headers.set(name, value);
  }
  response.headers.delete('connection');
  response.headers.delete('transfer-encoding');
  return response;
}
