// Calls to Kommo's API v4 for one organisation: the current token, one refresh on a 401, backoff with jitter
// on 429 and 5xx, and paced under Kommo's requests-per-second limit (pacing.ts).
import { ApiError } from '../http/errors.ts';
import type { KommoConfig } from './config.ts';
import { type Pacer, processPacer } from './pacing.ts';
import { accountUrl, type KommoTokenSource } from './tokens.ts';

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
}

export class KommoApi {
  constructor(private readonly options: KommoApiOptions) {}

  /** JSON body of a 2xx answer; null for Kommo's 204 (an empty list). */
  async request<T>(method: string, path: string, body?: unknown): Promise<T | null> {
    const { tokens, fetch: fetcher, config } = this.options;
    const attempts = this.options.attempts ?? 4;
    const scale = this.options.delayScale ?? 1;
    let session = await tokens.current();
    let refreshed = false;
    for (let attempt = 1; ; attempt++) {
      for (const pace of this.options.pacers ?? [processPacer]) await pace(session.subdomain);
      let response: Response;
      try {
        response = await fetcher(`${accountUrl(config, session.subdomain)}${path}`, {
          method,
          headers: {
            authorization: `Bearer ${session.accessToken}`,
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        });
      } catch (error) {
        // A write that got no answer may have happened: the caller decides (look it up before writing again).
        if (attempt >= attempts || method !== 'GET') {
          throw Object.assign(
            new ApiError('upstream_error', `Kommo did not answer: ${(error as Error).message}`),
            {
              uncertain: method !== 'GET',
            },
          );
        }
        await wait(attempt, null, scale);
        continue;
      }
      if (response.status === 401 && !refreshed) {
        // The token was revoked or expired early: refresh once (unless another request already did) and retry.
        refreshed = true;
        session = await tokens.refresh(session.connectionId, session.accessToken);
        continue;
      }
      // A 429 is a refusal and safe to repeat; a 5xx to a write may hide a write that happened.
      const retryable = response.status === 429 || (response.status >= 500 && method === 'GET');
      if (retryable && attempt < attempts) {
        await wait(attempt, response.headers.get('retry-after'), scale);
        continue;
      }
      if (response.status === 204) return null;
      if (!response.ok) throw await kommoError(response, method, path);
      return (await response.json()) as T;
    }
  }
}

async function wait(attempt: number, retryAfter: string | null, scale: number) {
  const seconds = retryAfter ? Number(retryAfter) : Number.NaN;
  const ms = Number.isFinite(seconds) ? seconds * 1000 : 500 * 2 ** (attempt - 1) * (0.5 + Math.random());
  await new Promise((resolve) => setTimeout(resolve, Math.min(ms, 30_000) * scale));
}

/** Kommo errors are application/problem+json: `{ title, status, detail, validation-errors? }`. */
async function kommoError(response: Response, method: string, path: string): Promise<ApiError> {
  const problem = (await response.json().catch(() => ({}))) as { title?: string; detail?: string };
  const why = [problem.title, problem.detail].filter(Boolean).join(': ') || `HTTP ${response.status}`;
  return Object.assign(
    new ApiError('upstream_error', `Kommo answered ${response.status} to ${method} ${path}: ${why}`),
    {
      kommoStatus: response.status,
      uncertain: response.status >= 500 && method !== 'GET',
    },
  );
}
