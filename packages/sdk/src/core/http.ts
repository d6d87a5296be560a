// The full client's request core, on ky: one place for auth, timeout, retries, errors and response validation.
import ky, { HTTPError, type KyInstance, TimeoutError as KyTimeoutError } from 'ky';
import * as z from 'zod/mini';
import { ApiError, type CloserError, ConnectionError, errorFromResponse, TimeoutError } from './errors.ts';
import type { TransportOptions } from './transport.ts';

export interface RetryOptions {
  /**
   * Retries after the first attempt.
   * @default 2
   */
  limit?: number;
  /**
   * Longest backoff between attempts, in ms (0.5 s × 2ⁿ, jittered, up to this).
   * @default 8000
   */
  backoffLimit?: number;
}

/** The chat transport's options, plus retries and response validation. */
export interface HttpOptions extends TransportOptions {
  retry: RetryOptions;
  validate: boolean;
}

type Query = Record<string, string | number | boolean | undefined>;

/** How much of a request body has been sent. */
export interface UploadProgress {
  /** 0..1 (an estimate for multipart bodies until the end). */
  percent: number;
  transferredBytes: number;
  totalBytes: number;
}

export interface RequestInit {
  query?: Query | undefined;
  body?: unknown;
  /** A multipart body (sent as is, never retried: a stream cannot be sent twice). */
  form?: FormData | undefined;
  /** Progress of the body as it is sent; needs request streams (Node >= 22, Deno; browsers over HTTP/2). */
  onUploadProgress?: ((progress: UploadProgress) => void) | undefined;
  signal?: AbortSignal | undefined;
}

export interface Http {
  request<S extends z.ZodMiniType>(
    method: string,
    path: string,
    schema: S,
    init?: RequestInit,
  ): Promise<z.output<S>>;
  request(method: string, path: string, schema: null, init?: RequestInit): Promise<void>;
  /** The successful response itself, its body unread (a download); failures throw as `request` does. */
  request(method: string, path: string, schema: 'response', init?: RequestInit): Promise<Response>;
  /**
   * PUTs `body` to an absolute, signed URL (a big file's upload), without the client's credentials and never
   * retried. A refusal throws ApiError with the status (Storage's `statusCode` when it gives one).
   */
  put(url: string, body: Blob, init: SignedPutInit): Promise<void>;
}

export interface SignedPutInit {
  headers: Record<string, string>;
  onUploadProgress?: ((progress: UploadProgress) => void) | undefined;
  signal?: AbortSignal | undefined;
}

// Writes are retried only when the server refused before doing anything.
const SAFE_FOR_WRITES = new Set([429, 503]);

export function createHttp(options: HttpOptions): Http {
  const client: KyInstance = ky.create({
    prefixUrl: options.url.replace(/(?<!\/)\/+$/, ''),
    timeout: options.timeout,
    fetch: (input, init) => (options.fetch ?? globalThis.fetch)(input, init),
    ...(options.headers ? { headers: options.headers } : {}),
    retry: {
      limit: options.retry.limit ?? 2,
      methods: ['get', 'put', 'head', 'delete', 'options', 'trace', 'post', 'patch'],
      statusCodes: [408, 429, 500, 502, 503, 504],
      afterStatusCodes: [413, 429, 503],
      maxRetryAfter: 60_000,
      backoffLimit: options.retry.backoffLimit ?? 8_000,
      delay: (attempt) => 0.5 * 2 ** (attempt - 1) * 1000 * (0.75 + Math.random() * 0.5),
    },
    hooks: {
      beforeRequest: [
        async (request) => {
          const credential = await options.credential();
          if (credential) request.headers.set('authorization', `Bearer ${credential}`);
          if (options.organizationId) request.headers.set('x-organization-id', options.organizationId);
        },
      ],
      beforeRetry: [
        ({ request, options: requestOptions, error }) => {
          const status = error instanceof HTTPError ? error.response.status : 0;
          const write = request.method === 'POST' || request.method === 'PATCH';
          // A write that failed in transit may have happened: only a refusal is safe to repeat.
          if (write && !SAFE_FOR_WRITES.has(status)) {
            // ky resolves a stopped request with no response: the error goes back through the context.
            (requestOptions.context as { outcome?: { stopped?: unknown } }).outcome!.stopped = error;
            return ky.stop;
          }
          return undefined;
        },
      ],
    },
  });

  return {
    async put(url, body, init) {
      try {
        await ky(url, {
          method: 'PUT',
          body,
          headers: { 'content-type': body.type || 'application/octet-stream', ...init.headers },
          retry: 0,
          timeout: options.timeout,
          fetch: (input, requestInit) => (options.fetch ?? globalThis.fetch)(input, requestInit),
          ...(init.onUploadProgress ? { onUploadProgress: init.onUploadProgress } : {}),
          ...(init.signal ? { signal: init.signal } : {}),
        });
      } catch (error) {
        throw error instanceof HTTPError
          ? await uploadRefused(error.response)
          : await translate(error, 'PUT upload', options.timeout);
      }
    },
    async request(
      method: string,
      path: string,
      schema: z.ZodMiniType | null | 'response',
      init: RequestInit = {},
    ): Promise<never> {
      const what = `${method} ${path}`;
      const searchParams = Object.fromEntries(
        Object.entries(init.query ?? {}).filter(
          (entry): entry is [string, string | number | boolean] => entry[1] !== undefined,
        ),
      );
      let response: Response | undefined;
      // ky copies the context object shallowly: the hook writes into this holder.
      const outcome: { stopped?: unknown } = {};
      try {
        response = await client(path.replace(/^\//, ''), {
          method,
          searchParams,
          context: { outcome },
          ...(init.body === undefined ? {} : { json: init.body }),
          ...(init.form ? { body: init.form, retry: { limit: 0 } } : {}),
          ...(init.onUploadProgress
            ? { onUploadProgress: (progress) => init.onUploadProgress?.(progress) }
            : {}),
          ...(init.signal ? { signal: init.signal } : {}),
        });
      } catch (error) {
        throw await translate(error, what, options.timeout);
      }
      if (!response) throw await translate(outcome.stopped, what, options.timeout);
      if (schema === 'response') return response as never;
      if (response.status === 204 || !schema) return undefined as never;
      const data: unknown = await response.json();
      if (!options.validate) return data as never;
      const parsed = z.safeParse(schema, data);
      if (!parsed.success) {
        throw new ApiError(
          `${what}: the response does not match the contract (${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.code})`,
          {
            status: response.status,
            code: 'invalid_response',
            requestId: response.headers.get('x-request-id') ?? undefined,
          },
        );
      }
      return parsed.data as never;
    },
  };
}

/** A signed upload refused: Storage answers `{ statusCode, error, message }` (older versions with HTTP 400). */
async function uploadRefused(response: Response): Promise<CloserError> {
  const body = (await response.json().catch(() => ({}))) as { statusCode?: string; message?: string };
  const status = Number(body.statusCode) || response.status;
  return new ApiError(`PUT upload: ${body.message ?? `HTTP ${status}`}`, { status, code: `http_${status}` });
}

async function translate(error: unknown, what: string, timeout: number): Promise<CloserError> {
  if (error instanceof HTTPError) return errorFromResponse(error.response, what);
  if (error instanceof KyTimeoutError)
    return new TimeoutError(`${what}: no response within ${timeout} ms`, { cause: error });
  return new ConnectionError(`${what}: ${(error as Error).message}`, { cause: error });
}
