// What went wrong with a message, in the terms the visitor needs: offline, sending too fast (their own limit,
// and for how long), the model's provider busy (not their fault), the assistant unavailable, or anything else.
import { CloserError, ConnectionError, RateLimitError, TimeoutError } from '@closer/sdk/chat';

/**
 * `rate_limited`: the visitor's own limit (HTTP 429 before the reply); `busy`: the model's provider is rate
 * limited (an `error` event inside the reply); `upstream`: the model failed or is unavailable; `offline`: the browser
 * says it is offline; `connection_lost`: the request failed or stalled while it says it is online (the server or the
 * way to it, not necessarily the visitor); `refused`: the message itself was refused (400/413/422), so trying again
 * cannot help — the owner is told why (ownerNote).
 */
export type FailureKind =
  | 'offline'
  | 'connection_lost'
  | 'rate_limited'
  | 'busy'
  | 'upstream'
  | 'refused'
  | 'failed';

export interface Failure {
  kind: FailureKind;
  /** Seconds to wait, for `rate_limited` and `busy`. */
  retryAfter?: number;
}

export function failureOf(error: unknown): Failure {
  if (error instanceof RateLimitError) return { kind: 'rate_limited', retryAfter: error.retryAfter ?? 30 };
  if (isOffline()) return { kind: 'offline' };
  if (error instanceof ConnectionError || error instanceof TimeoutError) return { kind: 'connection_lost' };
  if (error instanceof CloserError && REFUSED.includes(error.status)) return { kind: 'refused' };
  // 401/403: the agent was paused, or its key or origins changed, since the page loaded: not the visitor's doing.
  if (error instanceof CloserError && [401, 403, 502, 503, 504].includes(error.status))
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

/** Statuses that refuse the message itself: the same message would be refused again. */
const REFUSED = [400, 413, 422];

const isOffline = () => typeof navigator !== 'undefined' && navigator.onLine === false;

/** The conversation on screen no longer exists on the server (erased by the owner, a privacy request, retention). */
export const isGone = (error: unknown): boolean => error instanceof CloserError && error.status === 404;

/**
 * A line for the site owner's console when a message is refused for a reason only they can fix (a paused agent,
 * a key or origin no longer allowed); null otherwise.
 */
export function ownerNote(error: unknown): string | null {
  if (!(error instanceof CloserError)) return null;
  const said = `HTTP ${error.status}: ${error.message}`;
  if (REFUSED.includes(error.status))
    return `Closer: the API refused a visitor's message as invalid (${said}). Fix: if the page sends messages with Closer.send, keep them to text of at most 4,000 characters.`;
  if (error.status !== 401 && error.status !== 403) return null;
  if (/paused/i.test(error.message))
    return `Closer: the agent is paused, so visitors' messages get no reply (${said}). Fix: set the agent's status back to active.`;
  return `Closer: the API refused a visitor's message (${said}). Fix: check the agent's publishable key (data-key) and its allowedOrigins.`;
}
