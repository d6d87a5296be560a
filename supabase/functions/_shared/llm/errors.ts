// Upstream failures, and how each maps to the error envelope a client sees. The provider's own words are
// detail: they go to the server log, and to the organisation's own server credentials (secret keys and
// members, who run the integration), never to a publishable-key visitor.

import { ApiError } from '../http/errors.ts';
import { ERROR_BODY_BYTES, readTextUpTo } from '../http/responseBody.ts';
import { relayedRetryAfter } from '../http/retryAfter.ts';
import { clipText } from '../text.ts';

/** Who reads the message: a public visitor gets a generic one, the organisation's own callers the reason. */
export type Audience = 'public' | 'organization';

export class UpstreamError extends Error {
  /** HTTP status of the upstream answer; 200 for an error inside a stream, 0 when it never answered. */
  readonly status: number;
  /** The upstream's `Retry-After` read as whole seconds (1 to 3600), or undefined when it sent none readable. */
  readonly retryAfter: string | undefined;
  /** The provider refused the tools parameter: worth one retry without tools. */
  readonly toolsUnsupported: boolean;
  /** Set by `observeProvider` for the request at hand; public until it says otherwise. */
  audience: Audience = 'public';
  requestId: string | undefined;

  constructor(
    message: string,
    options: { status: number; retryAfter?: string | null; toolsUnsupported?: boolean; cause?: unknown },
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'UpstreamError';
    this.status = options.status;
    this.retryAfter = options.retryAfter ? relayedRetryAfter(options.retryAfter, 10) : undefined;
    this.toolsUnsupported = options.toolsUnsupported ?? false;
  }

  toApiError(): ApiError {
    const reference = this.requestId ? ` (request ${this.requestId})` : '';
    const reason = this.audience === 'organization' ? ` The provider said: ${redact(this.message)}` : '';
    const say = (text: string) => `${text}${reference}.${reason}`;
    if (this.status === 429) {
      return new ApiError('rate_limited', say('The language model is busy: try again in a moment'), {
        headers: { 'retry-after': this.retryAfter ?? '10' },
      });
    }
    if (this.status === 503) {
      const wait = this.retryAfter ? { headers: { 'retry-after': this.retryAfter } } : {};
      return new ApiError('unavailable', say('The language model is unavailable right now'), wait);
    }
    if (this.status === 402)
      return new ApiError('upstream_error', say('The language model provider refused the request'));
    return new ApiError('upstream_error', say('The language model could not answer'));
  }
}

/**
 * `scheme://rest`. A scheme starts at a letter after a word boundary; only the first such letter of a run of scheme
 * characters is tried (the lookbehind), as a later one ends at the same `:` and fails or matches alike: this keeps
 * `a+a+a+…` without `://` linear instead of quadratic.
 */
const ADDRESS = /\b(?=[a-z])(?<!\b[a-z][a-z0-9+.-]*?)[a-z0-9+.-]*:\/\/[^\s"'<>)]+/gi;

/** Keys, bearer tokens and addresses out of a provider's message, even for the organisation's own callers. */
export function redact(text: string): string {
  return text
    .replace(/\bBearer\s+\S+/gi, 'Bearer [redacted]')
    .replace(/\b(?:sk|pk|rk|key)[-_][A-Za-z0-9][A-Za-z0-9_\-.*…]*/gi, '[redacted key]')
    .replace(ADDRESS, '[address]');
}

/**
 * Reads `{ error: { message } }` (OpenAI, OpenRouter) or plain text, capped so an HTML page never reaches a client.
 * Only the first 64 KiB are read (an error object is a few hundred bytes; a server answering an endless body
 * must not fill memory): a longer answer is judged by its start.
 */
export async function upstreamErrorFrom(response: Response): Promise<UpstreamError> {
  const { text } = await readTextUpTo(response, ERROR_BODY_BYTES).catch(() => ({ text: '' }));
  let message = clipText(text.trim(), 300) || response.statusText || `HTTP ${response.status}`;
  try {
    const body = JSON.parse(text) as { error?: { message?: string } | string; message?: string };
    const inner = typeof body.error === 'string' ? body.error : (body.error?.message ?? body.message);
    if (inner) message = clipText(inner, 300);
  } catch {
    if (/<html/i.test(text)) message = `HTTP ${response.status} ${response.statusText}`.trim();
  }
  const toolsUnsupported = (response.status === 400 || response.status === 404) && /tool/i.test(message);
  return new UpstreamError(message, {
    status: response.status,
    retryAfter: response.headers.get('retry-after'),
    toolsUnsupported,
  });
}
