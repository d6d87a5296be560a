// The environment a function runs with: Deno.env in Deno, process.env in Node, a plain object in tests; and the
// readers of settings every feature shares.
import { ApiError } from './http/errors.ts';

export type Env = Readonly<Record<string, string | undefined>>;

/** The service version reported by `GET /health`. */
export const VERSION = '0.1.0';

/**
 * A duration setting in milliseconds (`env[name]`); `fallback` when unset or blank. A value that is not a
 * non-negative number throws a 503 `unavailable` naming the setting (a server's configuration, not the caller's).
 */
export function millisecondsFrom(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) {
    throw new ApiError('unavailable', `${name} must be a number of milliseconds, not ${JSON.stringify(raw)}`);
  }
  return value;
}
