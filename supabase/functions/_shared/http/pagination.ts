// Keyset pagination in a stable order (newest first, id as tie-break) with opaque cursors.
// Rows inserted between two page requests sort before the cursor, so pages never repeat or skip a row.
import { instant, type Page } from '@closer/contract';
import * as z from 'zod/mini';
import type { Queryable, Row } from '../db/types.ts';
import { ApiError } from './errors.ts';

interface Cursor {
  at: string;
  id: string;
}

function encodeCursor(cursor: Cursor): string {
  return btoa(JSON.stringify([cursor.at, cursor.id]))
    .replaceAll('+', '-')
    .replaceAll('/', '_')
    .replace(/(?<!=)=+$/, '');
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** A cursor's instant is one this list wrote: UTC, microseconds at most, on a date that exists. */
const cursorInstant = instant.check(z.regex(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?Z$/));

function decodeCursor(value: string): Cursor {
  try {
    const [at, id] = JSON.parse(atob(value.replaceAll('-', '+').replaceAll('_', '/'))) as unknown[];
    if (
      typeof at === 'string' &&
      z.safeParse(cursorInstant, at).success &&
      typeof id === 'string' &&
      UUID.test(id)
    ) {
      return { at, id };
    }
  } catch {
    // fall through to the error below
  }
  throw new ApiError('validation_failed', 'The query is not valid', {
    details: [{ path: ['cursor'], message: 'not a cursor returned by this list' }],
  });
}

export interface ListOptions<T> {
  /** `select … from … ` with the table aliased as `t`; no where/order/limit. */
  from: string;
  /** Conditions joined with `and`; `$n` placeholders numbered from 1 in `params`. */
  where?: string[];
  params?: unknown[];
  limit: number;
  cursor?: string | undefined;
  map: (row: Row) => T;
}

/** The column holding microsecond timestamps as text, so cursors keep Postgres precision (a JS Date would not). */
const CURSOR_AT = `to_char(t.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as _cursor_at`;

export async function listPage<T>(tx: Queryable, options: ListOptions<T>): Promise<Page<T>> {
  const params = [...(options.params ?? [])];
  const where = [...(options.where ?? [])];
  if (options.cursor) {
    const cursor = decodeCursor(options.cursor);
    params.push(cursor.at, cursor.id);
    where.push(`(t.created_at, t.id) < ($${params.length - 1}::timestamptz, $${params.length}::uuid)`);
  }
  params.push(options.limit + 1);
  const rows = await tx.query<Row & { _cursor_at: string; id: string }>(
    `${options.from.replace(/^\s*select\s/i, `select ${CURSOR_AT}, `)}
     ${where.length ? `where ${where.join(' and ')}` : ''}
     order by t.created_at desc, t.id desc
     limit $${params.length}`,
    params,
  );
  const more = rows.length > options.limit;
  const pageRows = more ? rows.slice(0, options.limit) : rows;
  const last = pageRows.at(-1);
  return {
    data: pageRows.map(options.map),
    nextCursor: more && last ? encodeCursor({ at: last._cursor_at, id: last.id }) : null,
  };
}
