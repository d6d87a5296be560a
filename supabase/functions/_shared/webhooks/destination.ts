// Where a webhook may go, and the one request that sends it. Safe by default: https only, and only public
// addresses after DNS resolution (the crawler's SSRF guard), unless ALLOW_PRIVATE_WEBHOOKS=true (local
// development and tests). Redirects are not followed; the whole exchange has a timeout; only the start of the
// answer is read and kept.

import type { Env } from '../env.ts';
import { ApiError } from '../http/errors.ts';
import { readTextUpTo } from '../http/responseBody.ts';
import { checkAddress, destinationProblem, RefusedUrl, type ResolveHost } from '../outbound/addresses.ts';
import { clipText, sanitizeText } from '../text.ts';

export const PRIVATE_WEBHOOKS_FLAG = 'ALLOW_PRIVATE_WEBHOOKS';
/** Characters of the answer kept in the delivery log. */
export const RESPONSE_EXCERPT_CHARS = 1000;
/** Bytes of the answer read at most (the rest is not waited for). */
const RESPONSE_READ_BYTES = 4096;
export const USER_AGENT = 'Closer-Webhooks/1.0';

/** True when ALLOW_PRIVATE_WEBHOOKS is `true`: http, private, loopback and link-local destinations are allowed. */
export const privateWebhooksAllowed = (env: Env) => env[PRIVATE_WEBHOOKS_FLAG] === 'true';

/** Why `url` may not be an endpoint, judged without DNS (the worker checks the resolved addresses); else null. */
export function endpointUrlProblem(url: string, allowPrivate: boolean): string | null {
  return destinationProblem(new URL(url), allowPrivate, PRIVATE_WEBHOOKS_FLAG);
}

/** Refuses (422) a URL that may not be an endpoint. */
export function checkEndpointUrl(url: string, env: Env): void {
  const problem = endpointUrlProblem(url, privateWebhooksAllowed(env));
  if (problem) {
    throw new ApiError('validation_failed', 'The request is not valid', {
      details: [{ path: ['url'], message: problem }],
    });
  }
}

export interface Sender {
  fetch: typeof fetch;
  resolve: ResolveHost;
  allowPrivate: boolean;
  /** For the whole exchange, headers and body (ms). */
  timeoutMs: number;
}

export interface SendResult {
  statusCode: number | null;
  latencyMs: number;
  responseExcerpt: string;
  error: string | null;
  succeeded: boolean;
}

/** The start of the answer, for the delivery log; the rest is cancelled unread. */
async function readExcerpt(response: Response): Promise<string> {
  const { text } = await readTextUpTo(response, RESPONSE_READ_BYTES);
  return clipText(sanitizeText(text), RESPONSE_EXCERPT_CHARS);
}

/** POSTs `body` to `url`; never throws: every failure is a result with its reason. 2xx succeeds, nothing else. */
export async function sendWebhook(
  url: string,
  headers: Record<string, string>,
  body: string,
  sender: Sender,
): Promise<SendResult> {
  const started = performance.now();
  const result = (partial: Partial<SendResult>): SendResult => ({
    statusCode: null,
    responseExcerpt: '',
    error: null,
    succeeded: false,
    ...partial,
    latencyMs: Math.round(performance.now() - started),
  });
  const signal = AbortSignal.timeout(sender.timeoutMs);
  try {
    const target = new URL(url);
    const problem = endpointUrlProblem(url, sender.allowPrivate);
    if (problem) throw new RefusedUrl(`The URL ${problem}`);
    await checkAddress(target, sender.resolve, sender.allowPrivate, PRIVATE_WEBHOOKS_FLAG);
    const response = await sender.fetch(target, {
      method: 'POST',
      redirect: 'manual',
      signal,
      headers: { ...headers, 'content-type': 'application/json', 'user-agent': USER_AGENT },
      body,
    });
    const excerpt = await readExcerpt(response);
    const succeeded = response.status >= 200 && response.status < 300;
    const error = succeeded
      ? null
      : response.status >= 300 && response.status < 400
        ? `Redirected (HTTP ${response.status}): redirects are not followed; register the final URL`
        : `The endpoint answered HTTP ${response.status}`;
    return result({ statusCode: response.status, responseExcerpt: excerpt, succeeded, error });
  } catch (failure) {
    if (failure instanceof RefusedUrl) return result({ error: failure.message });
    if (signal.aborted) return result({ error: `No answer within ${sender.timeoutMs} ms` });
    const cause =
      failure instanceof Error ? (failure.cause instanceof Error ? failure.cause : failure) : null;
    return result({ error: clipText(`The request failed: ${cause?.message ?? String(failure)}`, 500) });
  }
}
