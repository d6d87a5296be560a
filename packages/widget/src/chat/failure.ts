// What went wrong with a message, in the terms the visitor needs: offline, rate-limited (and for how long),
// the assistant unavailable, or anything else.
import { CloserError, ConnectionError, RateLimitError, TimeoutError } from '@closer/sdk/chat';

export type FailureKind = 'offline' | 'rate_limited' | 'upstream' | 'failed';

export interface Failure {
  kind: FailureKind;
  /** Seconds to wait, for `rate_limited`. */
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

/** An `error` event inside the stream (the upstream failed after the reply began). */
export function failureOfEvent(data: { code: string; retryAfter?: number | undefined }): Failure {
  if (data.code === 'rate_limited') return { kind: 'rate_limited', retryAfter: data.retryAfter ?? 30 };
  if (data.code === 'upstream_error' || data.code === 'unavailable') return { kind: 'upstream' };
  return { kind: 'failed' };
}

const isOffline = () => typeof navigator !== 'undefined' && navigator.onLine === false;
