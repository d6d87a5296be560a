// The fetch-only request core the chat entry uses (no ky, to stay small): headers, timeout, errors.

import type { Credential } from './credentials.ts';
import { ConnectionError, errorFromResponse, TimeoutError } from './errors.ts';

export interface TransportOptions {
  /** The functions base URL, e.g. `https://<project>.supabase.co/functions/v1`. */
  url: string;
  credential: Credential;
  organizationId?: string | undefined;
  /** Used instead of the global fetch; resolved at each call. */
  fetch?: typeof fetch | undefined;
  headers?: Record<string, string> | undefined;
  /** Per request: time to the response headers for JSON, and longest quiet spell for streams (ms). */
  timeout: number;
}

export interface Transport {
  readonly options: TransportOptions;
  /** Sends a request; a non-2xx answer rejects with the matching CloserError. */
  send(
    method: string,
    path: string,
    init?: { body?: unknown; headers?: Record<string, string>; signal?: AbortSignal; timeout?: boolean },
  ): Promise<Response>;
  json<T>(
    method: string,
    path: string,
    init?: { body?: unknown; headers?: Record<string, string>; signal?: AbortSignal },
  ): Promise<T>;
}

export function createTransport(options: TransportOptions): Transport {
  const base = options.url.replace(/(?<!\/)\/+$/, '');
  const transport: Transport = {
    options,
    async send(method, path, init = {}) {
      const credential = await options.credential();
      const signals = [
        init.signal,
        init.timeout === false ? undefined : AbortSignal.timeout(options.timeout),
      ].filter((s): s is AbortSignal => s !== undefined);
      const what = `${method} ${path}`;
      let response: Response;
      try {
        response = await (options.fetch ?? globalThis.fetch)(`${base}${path}`, {
          method,
          headers: {
            ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
            ...(credential ? { authorization: `Bearer ${credential}` } : {}),
            ...(options.organizationId ? { 'x-organization-id': options.organizationId } : {}),
            ...options.headers,
            ...init.headers,
          },
          ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
          ...(signals.length ? { signal: signals.length === 1 ? signals[0] : AbortSignal.any(signals) } : {}),
        });
      } catch (error) {
        if ((error as Error).name === 'TimeoutError') {
          throw new TimeoutError(`${what}: no response within ${options.timeout} ms`, { cause: error });
        }
        throw new ConnectionError(`${what}: ${(error as Error).message}`, { cause: error });
      }
      if (!response.ok) throw await errorFromResponse(response, what);
      return response;
    },
    async json(method, path, init) {
      const response = await transport.send(method, path, init);
      return (response.status === 204 ? undefined : await response.json()) as never;
    },
  };
  return transport;
}
