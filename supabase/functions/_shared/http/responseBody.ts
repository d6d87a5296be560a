// Reading what a remote server answers without trusting its size or its pace. A model server, Kommo, Cal.com, an
// embeddings server, Supabase Storage, a tenant's webhook endpoint or a crawled site may answer with a huge or
// endless body, or send its headers and then nothing: every body Closer reads from one goes through these
// functions, each with a cap in bytes chosen by its caller, and the rest of the body is cancelled unread (the
// connection closes, the server stops being read). An exchange that must end in time runs under
// {@link withinDeadline}, whose signal stops the request and any read of its body.
// Web Streams only: the same code runs in Deno and Node.

export const KiB = 1024;
export const MiB = 1024 * KiB;

/** Cap for an error answer or a small acknowledgement that is read only for its words: 64 KiB. */
export const ERROR_BODY_BYTES = 64 * KiB;

/** A body was longer than its reader's cap; nothing past the cap was read. */
export class BodyTooLargeError extends Error {
  /** The cap that was passed, in bytes. */
  readonly limitBytes: number;

  constructor(limitBytes: number) {
    super(`the answer is larger than ${sizeName(limitBytes)}`);
    this.name = 'BodyTooLargeError';
    this.limitBytes = limitBytes;
  }
}

/** `5 MiB`, `64 KiB`, or bytes: a cap as people read it. */
export function sizeName(bytes: number): string {
  if (bytes >= MiB && bytes % MiB === 0) return `${bytes / MiB} MiB`;
  if (bytes >= KiB && bytes % KiB === 0) return `${bytes / KiB} KiB`;
  return `${bytes} bytes`;
}

/** A fetch answer, or its body stream; null (no body) reads as empty. */
export type BodySource = Response | ReadableStream<Uint8Array> | null;

export interface ReadOptions {
  /** Once aborted, reading stops (a read waiting for bytes included) and its reason is thrown. */
  signal?: AbortSignal;
}

export interface BytesUpTo {
  /** The first bytes of the body, at most the cap. */
  bytes: Uint8Array;
  /** True when the body held more than the cap (the rest was cancelled unread). */
  truncated: boolean;
}

/**
 * Told apart by shape, not class: a fetch other than the runtime's own (undici's, pinned to checked addresses, in
 * the production server) answers Responses of another class.
 */
const isResponse = (source: BodySource): source is Response =>
  source !== null && typeof (source as { getReader?: unknown }).getReader !== 'function';

const streamOf = (source: BodySource) => (isResponse(source) ? source.body : source);

/**
 * Reads at most `maxBytes` bytes of a body and cancels the rest unread.
 * @param maxBytes the cap, in bytes (≥ 0).
 * @throws whatever reading the stream throws (a connection reset, a timeout), or the signal's reason.
 */
export async function readBytesUpTo(
  source: BodySource,
  maxBytes: number,
  options: ReadOptions = {},
): Promise<BytesUpTo> {
  const stream = streamOf(source);
  if (!stream) return { bytes: new Uint8Array(0), truncated: false };
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let ended = false;
  try {
    // Read until the end, or until one byte past the cap proves there is more.
    while (size <= maxBytes) {
      options.signal?.throwIfAborted();
      const { done, value } = await (options.signal
        ? untilAborted(reader.read(), options.signal)
        : reader.read());
      if (done) {
        ended = true;
        break;
      }
      chunks.push(value);
      size += value.byteLength;
    }
  } finally {
    // Not awaited: some runtimes settle a cancel only when the source ends, and an endless one never does.
    if (!ended) void reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
  return { bytes: joined(chunks, Math.min(size, maxBytes)), truncated: size > maxBytes };
}

/**
 * The first `maxBytes` bytes of a body as UTF-8 text (a character cut at the cap is left out); the rest is
 * cancelled unread. For error texts and excerpts, where the start is enough.
 * @throws as {@link readBytesUpTo}.
 */
export async function readTextUpTo(
  source: BodySource,
  maxBytes: number,
  options: ReadOptions = {},
): Promise<{ text: string; truncated: boolean }> {
  const { bytes, truncated } = await readBytesUpTo(source, maxBytes, options);
  return { text: new TextDecoder().decode(bytes, { stream: truncated }), truncated };
}

/**
 * The whole body, refused when it is longer than `maxBytes`: a declared `content-length` over the cap is refused
 * before reading, an undeclared one as soon as the cap is passed (the rest is cancelled unread).
 * @throws BodyTooLargeError over the cap; else as {@link readBytesUpTo}.
 */
export async function readBytesWithin(
  source: BodySource,
  maxBytes: number,
  options: ReadOptions = {},
): Promise<Uint8Array> {
  if (isResponse(source) && Number(source.headers.get('content-length')) > maxBytes) {
    void source.body?.cancel().catch(() => undefined);
    throw new BodyTooLargeError(maxBytes);
  }
  const { bytes, truncated } = await readBytesUpTo(source, maxBytes, options);
  if (truncated) throw new BodyTooLargeError(maxBytes);
  return bytes;
}

/**
 * The whole body as UTF-8 text, refused over `maxBytes` bytes.
 * @throws BodyTooLargeError over the cap; else as {@link readBytesUpTo}.
 */
export async function readTextWithin(
  source: BodySource,
  maxBytes: number,
  options: ReadOptions = {},
): Promise<string> {
  return new TextDecoder().decode(await readBytesWithin(source, maxBytes, options));
}

/**
 * The whole body parsed as JSON, refused over `maxBytes` bytes. The value is not checked: treat it as unknown.
 * @throws BodyTooLargeError over the cap; SyntaxError when it is not JSON; else as {@link readBytesUpTo}.
 */
export async function readJsonWithin<T = unknown>(
  source: BodySource,
  maxBytes: number,
  options: ReadOptions = {},
): Promise<T> {
  return JSON.parse(await readTextWithin(source, maxBytes, options)) as T;
}

/**
 * Frees an answer that is not used: a short one is read to its end (its connection can serve the next request),
 * a longer one is cancelled after `maxBytes` (its connection closes). Never throws.
 * @param maxBytes @default ERROR_BODY_BYTES (64 KiB)
 */
export async function discardBody(
  response: Response,
  maxBytes = ERROR_BODY_BYTES,
  options: ReadOptions = {},
): Promise<void> {
  await readBytesUpTo(response, maxBytes, options).catch(() => undefined);
}

/**
 * The same answer with a body that fails (BodyTooLargeError) as soon as it passes `maxBytes`, cancelling the rest:
 * for libraries that read answers themselves (Stripe's client, jose's JWKS fetch), given a fetch that returns this.
 * A declared `content-length` over the cap fails at the first read.
 */
export function limitedResponse(response: Response, maxBytes: number): Response {
  if (!response.body) return response;
  const declared = Number(response.headers.get('content-length'));
  let size = 0;
  const cap = new TransformStream<Uint8Array, Uint8Array>({
    start(controller) {
      if (declared > maxBytes) controller.error(new BodyTooLargeError(maxBytes));
    },
    transform(chunk, controller) {
      size += chunk.byteLength;
      if (size > maxBytes) controller.error(new BodyTooLargeError(maxBytes));
      else controller.enqueue(chunk);
    },
  });
  return new Response(response.body.pipeThrough(cap), {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
  });
}

/** `fetch` whose answers are {@link limitedResponse}s of at most `maxBytes`; the global fetch is looked up per call. */
export const limitedFetch =
  (maxBytes: number, fetcher?: typeof fetch): typeof fetch =>
  async (input, init) =>
    limitedResponse(await (fetcher ?? globalThis.fetch)(input, init), maxBytes);

/** An exchange with a remote server did not end within its time: no answer, or a body that stopped coming. */
export class AnswerTimeoutError extends Error {
  /** The time that was allowed, in milliseconds. */
  readonly timeoutMs: number;

  constructor(timeoutMs: number) {
    super(`no complete answer within ${durationName(timeoutMs)}`);
    // The name AbortSignal.timeout() gives its reason: callers that test `name === 'TimeoutError'` see one.
    this.name = 'TimeoutError';
    this.timeoutMs = timeoutMs;
  }
}

/** `250 ms`, `30 s`: a time limit as people read it. */
export function durationName(ms: number): string {
  return ms < 1000 || ms % 1000 !== 0 ? `${ms} ms` : `${ms / 1000} s`;
}

/**
 * Runs one whole exchange with a remote server (connecting, sending, the headers and reading the body) within
 * `timeoutMs`. `exchange` gets a signal to pass to `fetch` and to every read of the answer; when the time is up
 * the signal aborts with an {@link AnswerTimeoutError} and this rejects with it at once, even if the exchange
 * ignores its signal (a fetch that stops honouring it once the headers came, a library's own read): no caller ever
 * waits on a server that went quiet.
 * @param timeoutMs the time allowed, in milliseconds (≥ 1).
 * @param options.signal a caller's own signal (a client that hung up): aborts the exchange with its reason.
 * @throws AnswerTimeoutError past the time; else what `exchange` throws.
 */
export async function withinDeadline<T>(
  timeoutMs: number,
  exchange: (signal: AbortSignal) => Promise<T>,
  options: { signal?: AbortSignal } = {},
): Promise<T> {
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(new AnswerTimeoutError(timeoutMs)), timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, deadline.signal]) : deadline.signal;
  try {
    return await untilAborted(exchange(signal), signal);
  } finally {
    clearTimeout(timer);
  }
}

/** `promise`, or the signal's reason as soon as it aborts (the promise's own end is then ignored). */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    promise.catch(() => undefined);
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const abort = () => reject(signal.reason);
    signal.addEventListener('abort', abort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', abort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', abort);
        reject(error);
      },
    );
  });
}

function joined(chunks: Uint8Array[], size: number): Uint8Array {
  if (chunks.length === 1 && chunks[0]!.byteLength === size) return chunks[0]!;
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    if (offset >= size) break;
    const part = chunk.byteLength <= size - offset ? chunk : chunk.subarray(0, size - offset);
    bytes.set(part, offset);
    offset += part.byteLength;
  }
  return bytes;
}
