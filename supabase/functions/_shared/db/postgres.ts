// The postgres.js driver: Supabase (SUPABASE_DB_URL), any PostgreSQL (DATABASE_URL), the Supavisor pooler.
import postgres from 'postgres';
import type { Statement } from './pipeline.ts';
import type { Database, Queryable, Row } from './types.ts';

export interface PostgresOptions {
  /** Connections in the pool (default 5: an edge function instance serves few requests at once). */
  max?: number;
}

/** Transaction-mode poolers (Supavisor on 6543, PgBouncer) cannot keep prepared statements. */
export function usesPooler(url: string): boolean {
  const parsed = new URL(url);
  return parsed.port === '6543' || parsed.searchParams.get('pgbouncer') === 'true';
}

export function createPostgresDatabase(url: string, options: PostgresOptions = {}): Database {
  const watch = new ClosedWatch();
  const sql = postgres(url, {
    onclose: (id: number) => watch.closed(id),
    max: options.max ?? 5,
    prepare: !usesPooler(url),
    idle_timeout: 20,
    connect_timeout: 10,
    onnotice: () => {},
    // bigint counts come back as numbers, as PGlite returns them; our counts stay far below 2^53.
    types: {
      // Same as PGlite: a string is taken as JSON text already, anything else is stringified.
      json: {
        to: 114,
        from: [114, 3802],
        serialize: (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value)),
        parse: (value: string) => JSON.parse(value),
      },
      // Strings go as written: postgres.js would pass them through Date and lose the microseconds
      // that keyset cursors rely on (PGlite keeps them).
      date: {
        to: 1184,
        from: [1082, 1114, 1184],
        serialize: (value: Date | string) => (value instanceof Date ? value.toISOString() : value),
        parse: (value: string) => new Date(value),
      },
      int8AsNumber: {
        to: 20,
        from: [20],
        serialize: (value: number | bigint) => value.toString(),
        parse: (value: string) => Number(value),
      },
    },
  });
  // `unsafe` does not prepare unless told: each statement would then be parsed and described (a round trip
  // and a socket write of its own) before it runs. Prepared once per connection, it is one write, pipelined.
  const prepare = !usesPooler(url);
  const run = <T>(target: postgres.Sql | postgres.TransactionSql, text: string, params: readonly unknown[]) =>
    target.unsafe(text, params as postgres.ParameterOrJSON<never>[], { prepare }) as unknown as Promise<T[]>;

  return {
    driver: 'postgres',
    query: <T = Row>(text: string, params: readonly unknown[] = []) =>
      onceMoreIfStale(() => run<T>(sql, text, params)).then(plain),
    transaction: (fn) => pipelinedTransaction(sql, run, watch, fn),
    atOnce: (statements) => transactionAtOnce(sql, run, statements),
    async exec(script: string) {
      await sql.begin((tx) => tx.unsafe(script).simple());
    },
    // postgres.js keeps a connection of its own for LISTEN (outside the pool) and re-listens after a reconnect.
    // A transaction-mode pooler (Supavisor 6543) cannot hold a LISTEN: use the direct URL for live channels.
    async listen(channel, onNotify, onListening) {
      const subscription = await sql.listen(channel, onNotify, onListening);
      return () => subscription.unlisten();
    },
    close: () => sql.end({ timeout: 5 }),
  };
}

type Run = <T>(target: postgres.Sql, text: string, params: readonly unknown[]) => Promise<T[]>;

/**
 * A transaction on a reserved connection whose BEGIN is written together with its first statements (postgres.js's
 * own `begin` waits for BEGIN's answer first): one round trip and one socket write fewer per transaction. A
 * connection that failed without the server answering (closed, reset) is not handed back: postgres.js has
 * already set it aside and reconnects it when needed; released, it would stay in the pool broken.
 */
/**
 * Tells a transaction that its reserved connection closed, even between two statements (postgres.js reports a
 * close only to statements in flight): the id is learnt when BEGIN is written (`onexecute`).
 */
class ClosedWatch {
  private holders = new Map<number, (error: Error) => void>();
  closed(id: number): void {
    this.holders.get(id)?.(new Error('the database connection closed'));
  }
  begin(
    connection: postgres.Sql,
    onClose: (error: Error) => void,
  ): { started: Promise<unknown>; done(): void } {
    let id: number | null = null;
    const started = connection.unsafe('begin', [], {
      onexecute: (c: { id: number }) => {
        id = c.id;
        this.holders.set(id, onClose);
        return true;
      },
    } as never) as unknown as Promise<unknown>;
    return {
      started,
      done: () => {
        if (id !== null) this.holders.delete(id);
      },
    };
  }
}

async function pipelinedTransaction<T>(
  sql: postgres.Sql,
  run: Run,
  watch: ClosedWatch,
  fn: (tx: Queryable) => Promise<T>,
): Promise<T> {
  const connection = await onceMoreIfStale(() => sql.reserve());
  // Set when the connection is gone (closed, or a statement failed without the server answering): postgres.js
  // would crash the process on a write to it (a null socket), so nothing more is sent on it and it is not
  // released (postgres.js reconnects it on its own).
  let lost: unknown = null;
  const send = <R>(text: string, params: readonly unknown[]): Promise<R[]> => {
    if (lost) return Promise.reject(lost);
    return run<R>(connection, text, params).catch((error: unknown) => {
      if (!answered(error)) lost ??= error;
      throw error;
    });
  };
  const began = watch.begin(connection, (closed) => {
    lost ??= closed;
  });
  const begun = began.started.catch((error: unknown) => {
    if (!answered(error)) lost ??= error;
    throw error;
  });
  try {
    begun.catch(() => {});
    let result: T;
    try {
      result = await fn({
        pipelines: true,
        query: <R = Row>(text: string, params: readonly unknown[] = []) => send<R>(text, params).then(plain),
      });
      await begun;
    } catch (error) {
      if (!lost) await send('rollback', []).catch(() => {});
      throw error;
    }
    await send('commit', []);
    return result;
  } finally {
    began.done();
    if (!lost) connection.release();
  }
}

async function transactionAtOnce(
  sql: postgres.Sql,
  run: Run,
  statements: readonly Statement[],
): Promise<Row[][]> {
  const connection = await onceMoreIfStale(() => sql.reserve());
  let usable = true;
  try {
    const settled = await Promise.allSettled([
      run<Row>(connection, 'begin', []),
      ...statements.map((s) => run<Row>(connection, s.text, s.params ?? [])),
      run<Row>(connection, 'commit', []), // in a failed transaction, COMMIT rolls back
    ]);
    const failed = settled.find((r) => r.status === 'rejected');
    if (failed) {
      usable = settled.every((r) => r.status === 'fulfilled' || answered(r.reason));
      if (usable && settled.at(-1)?.status === 'rejected') {
        await run(connection, 'rollback', []).catch((error: unknown) => {
          usable = answered(error);
        });
      }
      throw failed.reason;
    }
    return settled.slice(1, -1).map((r) => plain((r as PromiseFulfilledResult<Row[]>).value));
  } finally {
    if (usable) connection.release();
  }
}

/**
 * postgres.js 3.4.9 keeps the FATAL error of a backend that was terminated (pg_terminate_backend, SQLSTATE
 * 57P01; a failover) mid-statement and replays it when that connection has reconnected, rejecting the first
 * query or reservation of the new, healthy connection before any of it runs (porsager/postgres#1223). So a
 * FATAL error is tried once more: a replayed one ran nothing, and a real one means the server ended the
 * backend and rolled its statement back. Connection losses without a server answer are not retried.
 */
async function onceMoreIfStale<T>(attempt: () => Promise<T>): Promise<T> {
  try {
    return await attempt();
  } catch (error) {
    if (error instanceof postgres.PostgresError && error.severity === 'FATAL') return attempt();
    throw error;
  }
}

/**
 * The server refused the statement and the connection still works, as opposed to a lost connection (closed,
 * reset) or a FATAL error, after which the server closes it (e.g. 57P01, the backend terminated).
 */
const answered = (failure: unknown) =>
  failure instanceof postgres.PostgresError && failure.severity !== 'FATAL' && failure.severity !== 'PANIC';

// postgres.js returns an array subclass carrying statement metadata; callers get a plain array.
function plain<T>(rows: T[]): T[] {
  return Array.from(rows);
}
