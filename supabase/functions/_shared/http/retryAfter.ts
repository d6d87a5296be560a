// `Retry-After` as servers really send it: delay-seconds, an HTTP date, a decimal, or words ("soon").

/** The most a caller is told to wait, in seconds: an upstream asking for days is not relayed as such. */
export const MAX_RETRY_AFTER_SECONDS = 3600;

/** Seconds from `Retry-After` (seconds or an HTTP date), capped at an hour; undefined when absent or unreadable. */
export function retryAfterSeconds(value: string | null | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const seconds = /^\d+(\.\d+)?$/.test(value.trim()) ? Number(value) : (Date.parse(value) - now) / 1000;
  return Number.isFinite(seconds) ? Math.min(MAX_RETRY_AFTER_SECONDS, Math.max(0, seconds)) : undefined;
}

/**
 * The `Retry-After` Closer itself sends after an upstream's: whole seconds from 1 to an hour, so every client
 * (and the `retryAfter` number of a stream's error event) reads it; `fallback` when the upstream's is unreadable.
 */
export function relayedRetryAfter(value: string | null | undefined, fallback: number): string {
  const seconds = retryAfterSeconds(value);
  return String(seconds === undefined ? fallback : Math.max(1, Math.ceil(seconds)));
}
