// Calls the functions as a client would: the local stack's app (every function under /functions/v1) over a test database.
import type { Database } from '@closer/functions/_shared/db/types.ts';
import { createRuntime } from '@closer/functions/_shared/runtime.ts';
import { createLocalApp } from '@closer/local/src/server.ts';
import { LEGACY_JWT_SECRET, SUPABASE_URL } from './supabaseAuth.ts';

export interface ApiResponse<T = Record<string, unknown>> {
  status: number;
  body: T;
  headers: Headers;
}

export type Caller = <T = Record<string, unknown>>(
  method: string,
  path: string,
  body?: unknown,
  headers?: Record<string, string>,
) => Promise<ApiResponse<T>>;

export interface Api {
  /** Calls `path` (under /functions/v1) with `credential` as the Bearer token. */
  as(credential: string, headers?: Record<string, string>): Caller;
  /** The raw Response, for streams. */
  fetch(path: string, init?: RequestInit): Promise<Response>;
}

/** The peer address every request of a test API comes from, as a socket would give it (TEST-NET-1). */
export const TEST_CLIENT_ADDRESS = '192.0.2.10';

export function createApi(
  db: Database,
  env: Record<string, string> = {},
  options: { clientAddress?: string } = {},
): Api {
  const app = createLocalApp(
    createRuntime(db, { SUPABASE_URL, SUPABASE_JWT_SECRET: LEGACY_JWT_SECRET, ...env }),
  );
  const bindings = { clientAddress: options.clientAddress ?? TEST_CLIENT_ADDRESS };
  return {
    fetch: async (path, init) => app.request(`/functions/v1${path}`, init, bindings),
    as:
      (credential, defaults = {}) =>
      async (method, path, body, headers = {}) => {
        const response = await app.request(
          `/functions/v1${path}`,
          {
            method,
            headers: {
              authorization: `Bearer ${credential}`,
              ...(body === undefined ? {} : { 'content-type': 'application/json' }),
              ...defaults,
              ...headers,
            },
            ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
          },
          bindings,
        );
        const text = await response.text();
        return {
          status: response.status,
          // A CSV download (or any other text) stays text.
          body: text
            ? (response.headers.get('content-type') ?? '').includes('json')
              ? JSON.parse(text)
              : text
            : null,
          headers: response.headers,
        } as never;
      },
  };
}

/** The field paths of a 422 response, e.g. [["name"], ["theme", "accentColor"]]. */
export function issuePaths(response: ApiResponse): (string | number)[][] {
  const error = (response.body as { error?: { details?: { path: (string | number)[] }[] } }).error;
  return (error?.details ?? []).map((d) => d.path);
}
