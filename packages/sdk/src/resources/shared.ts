// What every resource shares: list parameters, per-request options, and the paged list call.
import type { Page } from '@closer/contract';
import type * as z from 'zod/mini';
import type { Http } from '../core/http.ts';
import { PageRequest } from '../core/pagination.ts';

export interface RequestOptions {
  signal?: AbortSignal;
}

export interface ListParams {
  /** 1..100, default 20. */
  limit?: number;
  /** Start after this cursor (a page's `nextCursor`). */
  cursor?: string;
}

export function list<S extends z.ZodMiniType<Page<unknown>>>(
  http: Http,
  path: string,
  schema: S,
  params: object,
  options: RequestOptions,
): PageRequest<z.output<S>['data'][number]> {
  const { cursor, ...query } = params as ListParams & Record<string, string | number | boolean | undefined>;
  return new PageRequest(
    (next) =>
      http.request('GET', path, schema, { query: { ...query, cursor: next }, ...options }) as Promise<
        Page<never>
      >,
    cursor,
  );
}
