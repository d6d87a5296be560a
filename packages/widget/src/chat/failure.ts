// What went wrong with a message, in the terms the visitor needs: offline, sending too fast (their own limit,
// and for how long), the model's provider busy (not their fault), the assistant unavailable, or anything else.
import { CloserError, ConnectionError, RateLimitError, TimeoutError } from '@closer/sdk/chat';

/**
 * `rate_limited`: the visitor's own limit (HTTP 429 before the reply); `busy`: the model's provider is rate
 * limited (an `error` event inside the reply); `upstream`: the model failed or is unavailable.
 */
export type FailureKind = 'offline' | 'rate_limited' | 'busy' | 'upstream' | 'failed';

export interface Failure {
  kind: FailureKind;
  /** Seconds to wait, for `rate_limited` and `busy`. */
  retryAfter?: number;
}

export function failureOf(error: unknown): Failure {
  if (error instanceof RateLimitError) return { kind: 'rate_limited', retryAfter: error.retryAfter ?? 30 };
  if (error instanceof ConnectionError || error instanceof TimeoutError || isOffline())
    return { kind: 'offline' };
  if (error instanceof CloserError && (error.status === 502 || error.status === 503))
    return { kind: 'upstream' };
  return { kind: 'failed' };
}

/**
 * An `error` event inside the stream: the visitor's message was accepted (their own limit was checked before),
 * so a `rate_limited` here is the model's provider being busy.
 */
export function failureOfEvent(data: { code: string; retryAfter?: number | undefined }): Failure {
  if (data.code === 'rate_limited') return { kind: 'busy', retryAfter: data.retryAfter ?? 10 };
  if (data.code === 'upstream_error' || data.code === 'unavailable') return { kind: 'upstream' };
  return { kind: 'failed' };
}

const isOffline = () => typeof navigator !== 'undefined' && navigator.onLine === false;
