// Embeddings from any server speaking OpenAI's `POST /v1/embeddings` (OpenAI, OpenRouter, Ollama, vLLM, LM Studio).

import {
  BodyTooLargeError,
  ERROR_BODY_BYTES,
  KiB,
  readJsonWithin,
  readTextUpTo,
} from '../../http/responseBody.ts';
import { retryAfterSeconds } from '../../http/retryAfter.ts';
import { redact } from '../../llm/errors.ts';
import { clipText, sanitizeText } from '../../text.ts';
import { checkVectors, type Embedder, EmbeddingError, type EmbedOptions } from './embedder.ts';

export { retryAfterSeconds };

export interface OpenAiCompatibleEmbedderOptions {
  /** Up to the version segment, e.g. `https://api.openai.com/v1` (`/embeddings` is appended). */
  baseUrl: string;
  model: string;
  apiKey?: string;
  /** Asked of the server (`dimensions`, OpenAI's text-embedding-3 models) and checked in every answer. */
  dimensions?: number;
  minSimilarity: number;
  /** Per request, ms. @default 15000 */
  timeoutMs?: number;
  provider?: 'openai-compatible' | 'openrouter';
  /** Resolved at call time (tests pass a stand-in). */
  fetch?: typeof fetch;
}

/**
 * Cap of an embeddings answer: room for a 4096-dimension vector per text written as JSON floats (~24 bytes a
 * number), plus 64 KiB for the rest; 64 texts (the default batch) come to about 6 MiB.
 */
const answerBytes = (texts: number) => texts * 96 * KiB + 64 * KiB;

interface EmbeddingsAnswer {
  data?: { embedding?: unknown; index?: number }[];
}

export function createOpenAiCompatibleEmbedder(options: OpenAiCompatibleEmbedderOptions): Embedder {
  const url = `${options.baseUrl.replace(/(?<!\/)\/+$/, '')}/embeddings`;
  const who = `The embeddings server (${options.model})`;
  let learned: number | null = options.dimensions ?? null;
  const model = options.dimensions ? `${options.model}@${options.dimensions}` : options.model;

  async function post(texts: readonly string[], call: EmbedOptions): Promise<Response> {
    const timeout = AbortSignal.timeout(call.timeoutMs ?? options.timeoutMs ?? 15_000);
    const signal = call.signal ? AbortSignal.any([call.signal, timeout]) : timeout;
    try {
      return await (options.fetch ?? globalThis.fetch)(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {}),
        },
        body: JSON.stringify({
          model: options.model,
          input: texts,
          encoding_format: 'float',
          ...(options.dimensions ? { dimensions: options.dimensions } : {}),
        }),
        signal,
      });
    } catch (error) {
      const timedOut = timeout.aborted && !call.signal?.aborted;
      throw new EmbeddingError(
        timedOut ? `${who} did not answer in time` : `${who} could not be reached: ${String(error)}`,
        { retryable: true, cause: error },
      );
    }
  }

  return {
    provider: options.provider ?? 'openai-compatible',
    model,
    get dimensions() {
      return learned;
    },
    minSimilarity: options.minSimilarity,
    async embed(texts, call = {}) {
      if (texts.length === 0) return [];
      const response = await post(texts, call);
      if (!response.ok) {
        const { text } = await readTextUpTo(response, ERROR_BODY_BYTES).catch(() => ({ text: '' }));
        const status = response.status;
        const excerpt = redact(clipText(sanitizeText(text).trim(), 300));
        throw new EmbeddingError(`${who} answered HTTP ${status}: ${excerpt}`, {
          retryable: status === 408 || status === 409 || status === 429 || status >= 500,
          status,
          ...optionalRetryAfter(retryAfterSeconds(response.headers.get('retry-after'))),
        });
      }
      let answer: EmbeddingsAnswer;
      try {
        answer = await readJsonWithin<EmbeddingsAnswer>(response, answerBytes(texts.length));
      } catch (error) {
        // The request's timeout stops a body that stopped coming, too.
        if ((error as Error | null)?.name === 'TimeoutError') {
          throw new EmbeddingError(`${who} did not answer in time`, { retryable: true, cause: error });
        }
        const why =
          error instanceof BodyTooLargeError
            ? `an answer larger than ${error.limitBytes} bytes`
            : 'something other than JSON';
        throw new EmbeddingError(`${who} answered with ${why}`, {
          retryable: true,
          cause: error,
        });
      }
      const rows = Array.isArray(answer?.data) ? [...answer.data] : [];
      // `index` says which input a vector belongs to; servers may answer out of order.
      rows.sort((a, b) => (a.index ?? 0) - (b.index ?? 0));
      const vectors = rows.map((row) => row.embedding);
      learned = checkVectors(vectors, texts.length, learned, who);
      return vectors as number[][];
    },
  };
}

const optionalRetryAfter = (seconds: number | undefined) =>
  seconds === undefined ? {} : { retryAfterSeconds: seconds };
