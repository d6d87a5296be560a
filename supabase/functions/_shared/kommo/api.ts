// Calls to Kommo's API v4 for one organisation: the current token, one refresh on a 401, backoff with jitter
// on 429 and 5xx, paced under Kommo's requests-per-second limit (pacing.ts), each answer awaited at most
// `timeoutMs`, and none started that could still be running at the caller's deadline (a job's lease).

import * as z from 'zod/mini';
import { ApiError } from '../http/errors.ts';
import { discardBody, ERROR_BODY_BYTES, MiB, readJsonWithin } from '../http/responseBody.ts';
import { clipText, sanitizeText } from '../text.ts';
import { misfits } from './answers.ts';
import type { KommoConfig } from './config.ts';
import { type Pacer, processPacer } from './pacing.ts';
import { accountUrl, type KommoTokenSource } from './tokens.ts';

/**
 * Cap of one Kommo answer: a page is at most 250 entities (leads with embedded contacts, custom fields, catalog
 * lists), a few MiB at the very most. Past it the answer counts as none (a write may have happened).
 */
export const KOMMO_ANSWER_BYTES = 8 * MiB;

export interface KommoApiOptions {
  config: KommoConfig;
  tokens: KommoTokenSource;
  fetch: typeof fetch;
  /** Attempts for 429 and 5xx (default 4); backoff 0.5 s × 2ⁿ with jitter, or Retry-After. */
  attempts?: number;
  /** Scales every wait (tests run it fast). */
  delayScale?: number;
  /** Waited on, in order, before every request (default: this process's spacing). */
  pacers?: Pacer[];
  /** Longest wait for one answer, body included (default: the config's `requestTimeoutMs`). */
  timeoutMs?: number;
  /**
   * When the caller must be done (ms since the epoch): no request starts unless its timeout ends before then,
   * so a worker never talks to Kommo about a job after its lease. Default: none.
   */
  deadline?: number;
}

/** A request was not sent: the caller's deadline came first. Nothing happened in Kommo; safe to try later. */
export class KommoDeadlineError extends ApiError {
  constructor(method: string, path: string) {
    super('upstream_error', `No time left to call Kommo (${method} ${path}) before the job's lease ends`);
  }
}

export class KommoApi {
  constructor(private readonly options: KommoApiOptions) {}

  /** JSON body of a 2xx answer; null for Kommo's 204 (an empty list). */
  async request<T>(method: string, path: string, body?: unknown): Promise<T | null> {
    const { tokens, fetch: fetcher, config } = this.options;
    const attempts = this.options.attempts ?? 4;
    const scale = this.options.delayScale ?? 1;
    const timeoutMs = this.options.timeoutMs ?? config.requestTimeoutMs;
    // A token refresh is a call to Kommo too, bounded by the same timeout.
    this.ensureTime(timeoutMs, 0, method, path);
    let session = await tokens.current();
    let refreshed = false;
    for (let attempt = 1; ; attempt++) {
      for (const pace of this.options.pacers ?? [processPacer]) await pace(session.subdomain);
      this.ensureTime(timeoutMs, 0, method, path);
      let response: Response;
      try {
        response = await fetcher(`${accountUrl(config, session.subdomain)}${path}`, {
          method,
          headers: {
            authorization: `Bearer ${session.accessToken}`,
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (error) {
        // No answer (timeout, reset): a write may have happened, so the caller decides (look it up before
        // writing again); a read is tried again.
        if (attempt >= attempts || method !== 'GET') throw noAnswer(error, method, path, timeoutMs);
        await this.wait(attempt, null, scale, timeoutMs, method, path);
        continue;
      }
      if (response.status === 401 && !refreshed) {
        // The token was revoked or expired early: refresh once (unless another request already did), retry.
        await discard(response);
        refreshed = true;
        this.ensureTime(timeoutMs, 0, method, path);
        session = await tokens.refresh(session.connectionId, session.accessToken);
        continue;
      }
      // A 429 is a refusal and safe to repeat; a 5xx to a write may hide a write that happened.
      const retryable = response.status === 429 || (response.status >= 500 && method === 'GET');
      if (retryable && attempt < attempts) {
        await discard(response);
        await this.wait(attempt, response.headers.get('retry-after'), scale, timeoutMs, method, path);
        continue;
      }
      if (response.status === 204) return null;
      if (!response.ok) throw await kommoError(response, method, path);
      try {
        return await readJsonWithin<T>(response, KOMMO_ANSWER_BYTES);
      } catch (error) {
        // The body was cut short, grew past its cap or never finished within the timeout: as good as no answer.
        throw noAnswer(error, method, path, timeoutMs);
      }
    }
  }

  /**
   * The 2xx answer as `schema` reads it; null for Kommo's 204. An answer that does not fit (`id: null`, an id
   * that is not a positive integer, a field missing) is an upstream error — for a write, `uncertain`: Kommo may
   * have made it, so the caller looks it up before sending it again.
   */
  async read<S extends z.ZodMiniType>(
    schema: S,
    method: string,
    path: string,
    body?: unknown,
  ): Promise<z.infer<S> | null> {
    const answer = await this.request<unknown>(method, path, body);
    if (answer === null) return null;
    const parsed = z.safeParse(schema, answer);
    if (parsed.success) return parsed.data;
    throw Object.assign(
      new ApiError(
        'upstream_error',
        `Kommo answered ${method} ${path.split('?')[0]} without a usable ${misfits(parsed.error)}`,
      ),
      { uncertain: method !== 'GET' },
    );
  }

  /** Throws KommoDeadlineError unless `waitMs` and then one whole request fit before the deadline. */
  private ensureTime(timeoutMs: number, waitMs: number, method: string, path: string) {
    const { deadline } = this.options;
    if (deadline !== undefined && Date.now() + waitMs + timeoutMs > deadline) {
      throw new KommoDeadlineError(method, path);
    }
  }

  private async wait(
    attempt: number,
    retryAfter: string | null,
    scale: number,
    timeoutMs: number,
    method: string,
    path: string,
  ) {
    const seconds = retryAfter ? Number(retryAfter) : Number.NaN;
    const ms = Number.isFinite(seconds) ? seconds * 1000 : 500 * 2 ** (attempt - 1) * (0.5 + Math.random());
    const delay = Math.min(ms, 30_000) * scale;
    this.ensureTime(timeoutMs, delay, method, path);
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}

/** Frees an answer that is not used: a short one is read so its connection serves again, a long one cancelled. */
const discard = (response: Response) => discardBody(response);

function noAnswer(error: unknown, method: string, path: string, timeoutMs: number): ApiError {
  const timedOut = (error as Error).name === 'TimeoutError';
  const why = timedOut ? `no answer within ${timeoutMs} ms` : (error as Error).message;
  return Object.assign(new ApiError('upstream_error', `Kommo did not answer ${method} ${path}: ${why}`), {
    uncertain: method !== 'GET',
  });
}

/** Kommo errors are application/problem+json: `{ title, status, detail, validation-errors? }`. */
async function kommoError(response: Response, method: string, path: string): Promise<ApiError> {
  // Anything may come back (a gateway's `null`, an HTML page): only a problem object's text fields are read.
  // A problem object is a few hundred bytes: 64 KiB, and a larger answer reads as no problem object at all.
  const problem: unknown = await readJsonWithin(response, ERROR_BODY_BYTES).catch(() => null);
  const { title, detail, ...rest } = (typeof problem === 'object' && problem !== null ? problem : {}) as {
    title?: unknown;
    detail?: unknown;
    'validation-errors'?: unknown;
  };
  const why =
    [title, detail, fieldErrors(rest['validation-errors'])]
      .filter((part): part is string => typeof part === 'string' && part !== '')
      // Kept with the lead and the job: text a column holds (a garbled problem can carry NUL).
      .map((part) => clipText(sanitizeText(part), 200))
      .join(': ') || `HTTP ${response.status}`;
  return Object.assign(
    new ApiError('upstream_error', `Kommo answered ${response.status} to ${method} ${path}: ${why}`),
    {
      kommoStatus: response.status,
      uncertain: response.status >= 500 && method !== 'GET',
    },
  );
}

/** Kommo's `validation-errors[].errors[{ path, detail }]` as `path: detail; …` (which field it refused, and why). */
function fieldErrors(errors: unknown): string | null {
  if (!Array.isArray(errors)) return null;
  const parts = errors
    .flatMap((entry) => (Array.isArray(entry?.errors) ? (entry.errors as unknown[]) : []))
    .map((error) => error as { path?: unknown; detail?: unknown })
    .filter((error) => typeof error.path === 'string' || typeof error.detail === 'string')
    .map((error) => [error.path, error.detail].filter((part) => typeof part === 'string').join(': '));
  return parts.length ? parts.slice(0, 5).join('; ') : null;
}
