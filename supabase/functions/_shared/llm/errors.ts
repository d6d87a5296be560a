// Upstream failures, and how each maps to the error envelope a client sees.
import { ApiError } from '../http/errors.ts';

export class UpstreamError extends Error {
  /** HTTP status of the upstream answer; 200 for an error inside a stream, 0 when it never answered. */
  readonly status: number;
  readonly retryAfter: string | undefined;
  /** The provider refused the tools parameter: worth one retry without tools. */
  readonly toolsUnsupported: boolean;

  constructor(
    message: string,
    options: { status: number; retryAfter?: string | null; toolsUnsupported?: boolean },
  ) {
    super(message);
    this.name = 'UpstreamError';
    this.status = options.status;
    this.retryAfter = options.retryAfter ?? undefined;
    this.toolsUnsupported = options.toolsUnsupported ?? false;
  }

  toApiError(): ApiError {
    if (this.status === 429) {
      return new ApiError('rate_limited', `The language model is rate limited: ${this.message}`, {
        headers: { 'retry-after': this.retryAfter ?? '10' },
      });
    }
    if (this.status === 503)
      return new ApiError('unavailable', `The language model is unavailable: ${this.message}`);
    if (this.status === 402) {
      return new ApiError(
        'upstream_error',
        `The language model provider refused: out of credits (${this.message})`,
      );
    }
    return new ApiError('upstream_error', `The language model failed: ${this.message}`);
  }
}

/** Reads `{ error: { message } }` (OpenAI, OpenRouter) or plain text, capped so an HTML page never reaches a client. */
export async function upstreamErrorFrom(response: Response): Promise<UpstreamError> {
  const text = await response.text().catch(() => '');
  let message = text.trim().slice(0, 300) || response.statusText || `HTTP ${response.status}`;
  try {
    const body = JSON.parse(text) as { error?: { message?: string } | string; message?: string };
    const inner = typeof body.error === 'string' ? body.error : (body.error?.message ?? body.message);
    if (inner) message = inner.slice(0, 300);
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
