// A live channel as Server-Sent Events — one conversation's, or the organisation's (every conversation's stored
// events, organizationEvents.ts) — over Hono's streamSSE like the chat stream: stored events
// after `Last-Event-ID` first, then each new one as its notification arrives, typing as it happens, `: ping`
// while idle. The stream ends by itself before the edge runtime's wall-clock limit (clients reconnect with
// Last-Event-ID and miss nothing); a database failure ends it with one `error` event, logged with the request id.
import type { Context } from 'hono';
import { streamSSE } from 'hono/streaming';
import { SSE_HEADERS } from '../chat/sse.ts';
import { type TenantClaims, withTenant } from '../db/tenant.ts';
import type { Database, Queryable } from '../db/types.ts';
import { isDatabaseUnavailable } from '../db/unavailable.ts';
import { ApiError } from '../http/errors.ts';
import { EVENT_PAGE, eventsAfter } from './events.ts';
import { type LiveNote, liveConversations } from './live.ts';

const seconds = (value: string | undefined, fallback: number) =>
  value && Number(value) > 0 ? Number(value) * 1000 : fallback;

/** The channels' timings from the environment (`CLOSER_EVENTS_STREAM_SECONDS`) and the chat's ping interval. */
export function eventStreamTimings(
  env: Record<string, string | undefined>,
  pingMs: number,
): EventStreamTimings {
  return {
    pingMs,
    // Supabase ends a function's request at 150 s (free plan): end well before, cleanly.
    maxMs: seconds(env.CLOSER_EVENTS_STREAM_SECONDS, 120_000),
    pollMs: 2000,
    retryMs: 1000,
  };
}

/** `Last-Event-ID`: a stored event's id (digits); absent: from the start. */
export function lastEventId(c: Context): string {
  const sent = c.req.header('last-event-id')?.trim();
  if (!sent) return '0';
  if (!/^\d{1,18}$/.test(sent))
    throw new ApiError('validation_failed', 'The request is not valid', {
      details: [{ path: ['Last-Event-ID'], message: 'must be the id of an event this stream sent' }],
    });
  return sent;
}

export interface EventStreamTimings {
  /** Idle time before a `: ping` comment (15 s). */
  pingMs: number;
  /** How long one stream stays open before it ends for the client to reconnect (120 s). */
  maxMs: number;
  /** How often a stream re-reads when the instance could not LISTEN (2 s). */
  pollMs: number;
  /** The reconnection delay sent as the stream's `retry` field (1 s). */
  retryMs: number;
}

interface StreamedEvent {
  id: string;
  type: string;
  data: unknown;
}

export interface EventStreamInput {
  db: Database;
  claims: TenantClaims;
  conversationId: string;
  /** The last event the client has (`Last-Event-ID`); "0": from the start. */
  afterId: string;
  timings: EventStreamTimings;
  requestId: string;
}

/** One conversation's stored events after the client's last, then each new one; typing as it happens. */
export function conversationEventStream(c: Context, input: EventStreamInput): Response {
  const hub = liveConversations(input.db);
  return liveEventStream(c, {
    ...input,
    listening: () => hub.listening,
    subscribe: (listener) => hub.subscribe(input.conversationId, listener),
    read: (tx, after) => eventsAfter(tx, input.conversationId, after),
  });
}

export interface LiveEventSource {
  db: Database;
  claims: TenantClaims;
  afterId: string;
  timings: EventStreamTimings;
  requestId: string;
  /** Whether notifications arrive (otherwise the stream re-reads every `pollMs`). */
  listening: () => boolean;
  subscribe: (listener: (note: LiveNote) => void) => Promise<() => void>;
  /** The stored events after an id, oldest first, at most EVENT_PAGE, read under the client's claims. */
  read: (tx: Queryable, afterId: string) => Promise<StreamedEvent[]>;
}

/** Stored events after `afterId`, then each new one as its notification arrives (re-read under RLS). */
export function liveEventStream(c: Context, input: LiveEventSource): Response {
  const { db, claims, timings } = input;
  const response = streamSSE(c, async (stream) => {
    let last = input.afterId;
    let lastWrite = performance.now();
    let finish = () => {};
    const finished = new Promise<void>((resolve) => {
      finish = resolve;
    });
    stream.onAbort(() => finish());
    const send = async (message: { event: string; data: unknown; id?: string }) => {
      lastWrite = performance.now();
      await stream.writeSSE({ ...message, data: JSON.stringify(message.data) });
    };

    // Reads are serialised: a note that arrives during a read makes one more read after it.
    let reading: Promise<void> | null = null;
    let again = false;
    const readOnce = async () => {
      const events = await withTenant(db, claims, (tx) => input.read(tx, last));
      for (const event of events) {
        await send({ event: event.type, data: event.data, id: event.id });
        last = event.id;
      }
      return events.length === EVENT_PAGE;
    };
    const readNew = (): Promise<void> => {
      if (reading) {
        again = true;
        return reading;
      }
      reading = (async () => {
        do {
          again = false;
          if (await readOnce()) again = true;
        } while (again && !stream.aborted);
      })()
        .catch(async (failure: unknown) => {
          console.error(
            JSON.stringify({
              level: 'error',
              where: 'conversation events',
              requestId: input.requestId,
              error: String(failure),
            }),
          );
          const code = isDatabaseUnavailable(failure) ? 'unavailable' : 'internal';
          await send({
            event: 'error',
            data: { code, message: `The live channel stopped (request ${input.requestId}); reconnect` },
          }).catch(() => undefined);
          finish();
        })
        .finally(() => {
          reading = null;
        });
      return reading;
    };

    const onNote = (note: LiveNote) => {
      if (note.type === 'typing') send({ event: 'typing', data: note.data }).catch(() => undefined);
      else void readNew();
    };
    const unsubscribe = await input.subscribe(onNote);
    const timers = [
      setTimeout(finish, timings.maxMs),
      setInterval(
        () => {
          if (performance.now() - lastWrite >= timings.pingMs) {
            lastWrite = performance.now();
            stream.write(': ping\n\n').catch(() => undefined);
          }
          if (!input.listening()) void readNew();
        },
        Math.max(10, Math.min(timings.pollMs, Math.floor(timings.pingMs / 3))),
      ),
    ];
    try {
      await stream.write(`retry: ${timings.retryMs}\n: live channel open\n\n`);
      await readNew();
      await finished;
    } finally {
      unsubscribe();
      clearTimeout(timers[0]);
      clearInterval(timers[1]);
    }
  });
  for (const [name, value] of Object.entries(SSE_HEADERS)) {
    c.header(name, value);
    response.headers.set(name, value);
  }
  response.headers.delete('connection');
  response.headers.delete('transfer-encoding');
  return response;
}
