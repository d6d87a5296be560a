// Bounded reading of remote answers: caps, what is reported past them, JSON refused over its cap, and an endless
// body cancelled — its source stops being pulled.
import {
  AnswerTimeoutError,
  BodyTooLargeError,
  discardBody,
  limitedResponse,
  readBytesUpTo,
  readBytesWithin,
  readJsonWithin,
  readTextUpTo,
  readTextWithin,
  withinDeadline,
} from '@closer/functions/_shared/http/responseBody.ts';
import { describe, expect, it } from 'vitest';

const encoder = new TextEncoder();

/** A body sent in the given parts, pulled only when read (highWaterMark 0). */
function partsStream(parts: string[]) {
  const state = { pulls: 0, cancelled: false as boolean, reason: undefined as unknown };
  let i = 0;
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        state.pulls++;
        const part = parts[i++];
        if (part === undefined) controller.close();
        else controller.enqueue(encoder.encode(part));
      },
      cancel(reason) {
        state.cancelled = true;
        state.reason = reason;
      },
    },
    { highWaterMark: 0 },
  );
  return { stream, state };
}

/** A body that never ends: 16 KiB a pull, for ever. */
function endlessStream() {
  const chunk = new Uint8Array(16 * 1024).fill(0x61);
  const state = { pulls: 0, cancelled: false as boolean };
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        state.pulls++;
        controller.enqueue(chunk);
      },
      cancel() {
        state.cancelled = true;
      },
    },
    { highWaterMark: 0 },
  );
  return { stream, state, chunkBytes: chunk.byteLength };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

describe('readBytesUpTo / readTextUpTo', () => {
  it('keeps at most the cap and says whether the body held more', async () => {
    const long = partsStream(['0123', '4567', '89']);
    const start = await readBytesUpTo(long.stream, 5);
    expect(new TextDecoder().decode(start.bytes)).toBe('01234');
    expect(start.truncated).toBe(true);
    expect(long.state.cancelled).toBe(true);

    const exact = partsStream(['0123', '4567', '89']);
    const whole = await readBytesUpTo(exact.stream, 10);
    expect(new TextDecoder().decode(whole.bytes)).toBe('0123456789');
    expect(whole.truncated).toBe(false);
    expect(exact.state.cancelled).toBe(false);

    expect(await readBytesUpTo(null, 10)).toEqual({ bytes: new Uint8Array(0), truncated: false });
    expect(await readTextUpTo(new Response('short'), 1000)).toEqual({ text: 'short', truncated: false });
  });

  it("reads a Response of another fetch's class (undici's, in the production server) as a Response", async () => {
    const foreign = { status: 200, headers: new Headers(), body: partsStream(['{"a":', '1}']).stream };
    expect(await readJsonWithin(foreign as unknown as Response, 100)).toEqual({ a: 1 });
    const declared = { headers: new Headers({ 'content-length': '500' }), body: endlessStream().stream };
    await expect(readBytesWithin(declared as unknown as Response, 100)).rejects.toBeInstanceOf(
      BodyTooLargeError,
    );
  });

  it('leaves out a character cut at the cap instead of mangling it', async () => {
    // "é" is two bytes in UTF-8: a cap of 2 ends inside it.
    expect(await readTextUpTo(new Response('aé and more'), 2)).toEqual({ text: 'a', truncated: true });
  });

  it('stops pulling an endless body at the cap and cancels it', async () => {
    const endless = endlessStream();
    const { bytes, truncated } = await readBytesUpTo(endless.stream, 100 * 1024);
    expect(bytes.byteLength).toBe(100 * 1024);
    expect(truncated).toBe(true);
    expect(endless.state.cancelled).toBe(true);
    const pulled = endless.state.pulls;
    // One chunk past the cap proves there is more; nothing is pulled after the cancel.
    expect(pulled * endless.chunkBytes).toBeLessThanOrEqual(100 * 1024 + 2 * endless.chunkBytes);
    await settle();
    expect(endless.state.pulls).toBe(pulled);
  });

  it('stops at an aborted signal with its reason, and cancels the body', async () => {
    const endless = endlessStream();
    const controller = new AbortController();
    controller.abort(new Error('gave up'));
    await expect(readBytesUpTo(endless.stream, 1024, { signal: controller.signal })).rejects.toThrow(
      'gave up',
    );
    expect(endless.state.cancelled).toBe(true);
  });

  it('stops a read waiting for bytes that never come when the signal aborts, and cancels the body', async () => {
    const cancelled: unknown[] = [];
    const quiet = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(encoder.encode('{"url":'));
      },
      cancel(reason) {
        cancelled.push(reason);
      },
    });
    const controller = new AbortController();
    const reading = readBytesUpTo(quiet, 1024, { signal: controller.signal });
    await settle();
    controller.abort(new Error('too late'));
    await expect(reading).rejects.toThrow('too late');
    expect(cancelled).toHaveLength(1);
  });

  it('passes on a broken body as the error it is', async () => {
    const broken = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(encoder.encode('half'));
        controller.error(new TypeError('terminated'));
      },
    });
    await expect(readBytesUpTo(broken, 1024)).rejects.toThrow('terminated');
  });
});

describe('readBytesWithin / readTextWithin / readJsonWithin', () => {
  it('reads a body up to exactly its cap whole', async () => {
    expect(await readTextWithin(new Response('0123456789'), 10)).toBe('0123456789');
    expect(await readJsonWithin(new Response('{"data":[1,2]}'), 14)).toEqual({ data: [1, 2] });
  });

  it('refuses a body over the cap with BodyTooLargeError naming the cap, cancelling the rest', async () => {
    const long = partsStream(['{"data":', '[1,2,3,4]', '}']);
    const error = await readJsonWithin(long.stream, 10).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BodyTooLargeError);
    expect(error).toMatchObject({ limitBytes: 10, message: 'the answer is larger than 10 bytes' });
    expect(long.state.cancelled).toBe(true);
    expect(long.state.pulls).toBe(2);

    const endless = endlessStream();
    await expect(readBytesWithin(endless.stream, 64 * 1024)).rejects.toThrow(
      'the answer is larger than 64 KiB',
    );
    expect(endless.state.cancelled).toBe(true);
  });

  it('refuses a declared content-length over the cap before reading anything', async () => {
    const body = endlessStream();
    const response = new Response(body.stream, { headers: { 'content-length': String(5 * 1024 * 1024) } });
    await expect(readBytesWithin(response, 1024 * 1024)).rejects.toBeInstanceOf(BodyTooLargeError);
    await settle();
    expect(body.state.pulls).toBe(0);
    expect(body.state.cancelled).toBe(true);
  });

  it('answers a body that is not JSON with a SyntaxError, as response.json() does', async () => {
    await expect(readJsonWithin(new Response('<html>Bad gateway</html>'), 1024)).rejects.toBeInstanceOf(
      SyntaxError,
    );
    await expect(readJsonWithin(null, 1024)).rejects.toBeInstanceOf(SyntaxError);
  });
});

describe('discardBody', () => {
  it('reads a short answer to its end, cancels a long one, and never throws', async () => {
    const short = partsStream(['{"ok":true}']);
    await discardBody(new Response(short.stream));
    expect(short.state.cancelled).toBe(false);
    expect(short.state.pulls).toBe(2);

    const endless = endlessStream();
    await discardBody(new Response(endless.stream), 32 * 1024);
    expect(endless.state.cancelled).toBe(true);

    const broken = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.error(new TypeError('terminated'));
      },
    });
    await expect(discardBody(new Response(broken))).resolves.toBeUndefined();
  });
});

describe('limitedResponse', () => {
  it('passes a body within the cap as it is, keeping status and headers', async () => {
    const limited = limitedResponse(
      new Response('{"ok":true}', { status: 201, headers: { 'x-request-id': 'req_1' } }),
      11,
    );
    expect(limited.status).toBe(201);
    expect(limited.headers.get('x-request-id')).toBe('req_1');
    expect(await limited.json()).toEqual({ ok: true });
  });

  it("fails a library's own read past the cap and cancels the source", async () => {
    const endless = endlessStream();
    const error = await limitedResponse(new Response(endless.stream), 100 * 1024)
      .json()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BodyTooLargeError);
    await settle();
    expect(endless.state.cancelled).toBe(true);
    const pulled = endless.state.pulls;
    await settle();
    expect(endless.state.pulls).toBe(pulled);
    expect(pulled * endless.chunkBytes).toBeLessThanOrEqual(100 * 1024 + 4 * endless.chunkBytes);
  });

  it('fails at once on a declared content-length over the cap', async () => {
    const declared = new Response('x'.repeat(10), { headers: { 'content-length': '5000000' } });
    await expect(limitedResponse(declared, 1024).text()).rejects.toBeInstanceOf(BodyTooLargeError);
  });
});

/** A body that sends its first bytes and then nothing, as a stalled server's; records its cancellation. */
function quietBody() {
  const state = { cancelled: false };
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(encoder.encode('{"keys":['));
    },
    cancel() {
      state.cancelled = true;
    },
  });
  return { stream, state };
}

describe('withinDeadline', () => {
  it('answers what the exchange answers in time', async () => {
    const text = await withinDeadline(1000, (signal) =>
      readTextWithin(new Response('{"ok":true}'), 64, { signal }),
    );
    expect(text).toBe('{"ok":true}');
  });

  it('ends a body read that stalls with an AnswerTimeoutError, aborting the signal and cancelling the body', async () => {
    const body = quietBody();
    let seen: AbortSignal | undefined;
    const error = await withinDeadline(50, (signal) => {
      seen = signal;
      return readTextWithin(new Response(body.stream), 1024, { signal });
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AnswerTimeoutError);
    expect(error).toMatchObject({
      name: 'TimeoutError',
      timeoutMs: 50,
      message: 'no complete answer within 50 ms',
    });
    expect(seen?.aborted).toBe(true);
    expect(seen?.reason).toBe(error);
    expect(body.state.cancelled).toBe(true);
  });

  it('ends in time even when the exchange ignores its signal (a library reading the body itself)', async () => {
    const body = quietBody();
    const error = await withinDeadline(50, () => new Response(body.stream).text()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AnswerTimeoutError);
  });

  it("ends with the caller's own reason when the caller's signal aborts first", async () => {
    const caller = new AbortController();
    const pending = withinDeadline(
      60_000,
      (signal) => readTextWithin(new Response(quietBody().stream), 1024, { signal }),
      {
        signal: caller.signal,
      },
    );
    caller.abort(new Error('the visitor left'));
    await expect(pending).rejects.toThrow('the visitor left');
  });

  it('passes on what the exchange throws in time', async () => {
    await expect(
      withinDeadline(1000, async () => Promise.reject(new TypeError('fetch failed'))),
    ).rejects.toThrow('fetch failed');
  });
});
