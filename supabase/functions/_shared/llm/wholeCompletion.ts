// Some servers and proxies ignore `stream: true` and answer one whole `chat.completion` JSON object (or an
// HTML page, or `{ "error": … }` with status 200). The JSON is read as the one chunk of a stream would be, so
// everything the stream parser guards (thinking, tool calls, finish reasons, usage, size) applies to it too.
import { BodyTooLargeError, readTextWithin, sizeName } from '../http/responseBody.ts';
import { UpstreamError } from './errors.ts';

/** What kind of body a 200 answer to a streaming request carries, from its content type. */
export function bodyKind(contentType: string | null): 'stream' | 'json' | 'other' {
  const type = (contentType ?? '').toLowerCase();
  if (type === '' || type.includes('text/event-stream')) return 'stream';
  if (type.includes('json')) return 'json';
  return 'other';
}

/**
 * Reads a whole completion (at most `maxBytes`) and returns it as a stream of one chunk and `[DONE]`, for the
 * stream parser. A body that is not a completion is an upstream error.
 */
export async function completionAsStream(
  body: ReadableStream<Uint8Array>,
  maxBytes: number,
): Promise<ReadableStream<Uint8Array>> {
  const text = await readAtMost(body, maxBytes);
  let completion: unknown;
  try {
    completion = JSON.parse(text);
  } catch {
    throw new UpstreamError('answered JSON that does not parse instead of a stream', { status: 200 });
  }
  const { choices, usage, error } = (completion ?? {}) as {
    choices?: unknown;
    usage?: unknown;
    error?: unknown;
  };
  if (error) return streamOf({ error });
  if (!Array.isArray(choices))
    throw new UpstreamError('answered JSON that is not a chat completion instead of a stream', {
      status: 200,
    });
  const chunk = {
    choices: choices.map((choice) => {
      const { index, message, finish_reason } = (choice ?? {}) as {
        index?: unknown;
        message?: unknown;
        finish_reason?: unknown;
      };
      return { index, delta: message, finish_reason };
    }),
    usage,
  };
  return streamOf(chunk);
}

function streamOf(chunk: unknown): ReadableStream<Uint8Array> {
  const bytes = new TextEncoder().encode(`data: ${JSON.stringify(chunk)}\n\ndata: [DONE]\n\n`);
  return new ReadableStream({
    start(controller) {
      controller.enqueue(bytes);
      controller.close();
    },
  });
}

async function readAtMost(body: ReadableStream<Uint8Array>, maxBytes: number): Promise<string> {
  try {
    return await readTextWithin(body, maxBytes);
  } catch (error) {
    if (error instanceof BodyTooLargeError)
      throw new UpstreamError(`the answer grew past ${sizeName(maxBytes)}`, { status: 200 });
    throw new UpstreamError('the connection broke while the answer was read', { status: 0, cause: error });
  }
}
