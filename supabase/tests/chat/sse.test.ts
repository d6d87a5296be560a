// The chat stream's transport: whatever the producer does, the stream ends with `done` or `error`, with the
// headers and event format the SDK and widget parse, and deltas coalesced without holding back the first.
import { type Emit, sseResponse } from '@closer/functions/_shared/chat/sse.ts';
import { Hono } from 'hono';
import { afterEach, expect, it, vi } from 'vitest';
import { readSse } from '../helpers/sse.ts';

afterEach(() => vi.restoreAllMocks());

function streamed(produce: (emit: Emit, signal: AbortSignal) => Promise<void>) {
  const app = new Hono().get('/', (c) =>
    sseResponse(c, produce, { pingMs: 20, requestId: 'req-0123456789' }),
  );
  return app.request('/');
}

it('keeps the headers and event format, and coalesces fast deltas after the first', async () => {
  const response = await streamed(async (emit) => {
    for (const word of ['One ', 'two ', 'three ', 'four']) emit({ type: 'delta', data: { text: word } });
    emit({
      type: 'done',
      data: { messageId: 'm1', finishReason: 'stop', usage: { inputTokens: 1, outputTokens: 2 } },
    });
  });
  expect(Object.fromEntries(response.headers)).toMatchObject({
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-store, no-transform',
    'x-accel-buffering': 'no',
    'x-closer-stream-version': '1',
  });
  const raw = await response.text();
  expect(raw).toBe(
    ': stream open\n\n' +
      'event: delta\ndata: {"text":"One "}\n\n' +
      'event: delta\ndata: {"text":"two three four"}\n\n' +
      'event: done\ndata: {"messageId":"m1","finishReason":"stop","usage":{"inputTokens":1,"outputTokens":2}}\n\n',
  );
});

it('sends : ping while the producer is quiet', async () => {
  const { comments, events } = await readSse(
    // Quiet for 50 ping intervals: a loaded machine that holds the timers back still lets two pings out (with 6, a
    // stall of 100 ms ran the pings' timer once and then the producer's).
    await streamed(async (emit) => {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      emit({ type: 'error', data: { code: 'upstream_error', message: 'slow' } });
    }),
  );
  expect(comments.filter((c) => c === 'ping').length).toBeGreaterThanOrEqual(2);
  expect(events.map((e) => e.event)).toEqual(['error']);
});

it('ends with an internal error event, logged with the request id, when the producer throws', async () => {
  const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
  const { events } = await readSse(
    await streamed(async (emit) => {
      emit({ type: 'delta', data: { text: 'Half' } });
      throw new Error('write to the database failed');
    }),
  );
  expect(events.map((e) => e.event)).toEqual(['delta', 'error']);
  expect(events[1]!.data).toEqual({ code: 'internal', message: 'The reply failed (request req-0123456789)' });
  expect(JSON.parse(String(logged.mock.calls[0]![0]))).toMatchObject({
    requestId: 'req-0123456789',
    error: 'Error: write to the database failed',
  });
});

it('ends with an error event when the producer returns without done or error', async () => {
  vi.spyOn(console, 'error').mockImplementation(() => {});
  const { events } = await readSse(await streamed(async () => {}));
  expect(events.map((e) => e.event)).toEqual(['error']);
});

it('keeps the first event of a kind that ends the stream, ignoring anything after it', async () => {
  const { events } = await readSse(
    await streamed(async (emit) => {
      emit({ type: 'error', data: { code: 'unavailable', message: 'down' } });
      emit({ type: 'delta', data: { text: 'late' } });
    }),
  );
  expect(events).toEqual([{ event: 'error', data: { code: 'unavailable', message: 'down' } }]);
});
