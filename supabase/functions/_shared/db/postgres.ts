// The postgres.js driver: Supabase (SUPABASE_DB_URL), any PostgreSQL (DATABASE_URL), the Supavisor pooler.
import postgres from 'postgres';
import {
  ClosedWatch,
  onceMoreIfStale,
  pipelinedTransaction,
  plain,
  reservedStatement,
  transactionsAtOnce,
} from './postgresTransactions.ts';
import { RenewablePool } from './renewablePool.ts';
import type { Database, Row } from './types.ts';

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
  const settings: postgres.Options<Record<string, postgres.PostgresType>> = {
    onclose: watch.notify,
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
  };
  const pool = new RenewablePool(() => postgres(url, settings));
  // LISTEN lives outside the pool (postgres.js keeps a connection of its own for it), so renewing the pool
  // leaves live channels listening.
  const listener = postgres(url, settings);
  const reserve = () => pool.reserve();
  // `unsafe` does not prepare unless told: each statement would then be parsed and described (a round trip
  // and a socket write of its own) before it runs. Prepared once per connection, it is one write, pipelined.
  const prepare = !usesPooler(url);
  const run = <T>(target: postgres.Sql | postgres.TransactionSql, text: string, params: readonly unknown[]) =>
    target.unsafe(text, params as postgres.ParameterOrJSON<never>[], { prepare }) as unknown as Promise<T[]>;

  return {
    driver: 'postgres',
    query: <T = Row>(text: string, params: readonly unknown[] = []) =>
      onceMoreIfStale(() => reservedStatement<T>(reserve, run, text, params)).then(plain),
    transaction: (fn) => pipelinedTransaction(reserve, run, watch, fn),
    atOnce: (transactions) => transactionsAtOnce(reserve, run, watch, transactions),
    async exec(script: string) {
      await pool.sql.begin((tx) => tx.unsafe(script).simple());
    },
    // postgres.js keeps a connection of its own for LISTEN (outside the pool) and re-listens after a reconnect.
    // A transaction-mode pooler (Supavisor 6543) cannot hold a LISTEN: use the direct URL for live channels.
    async listen(channel, onNotify, onListening) {
      const subscription = await listener.listen(channel, onNotify, onListening);
      return () => subscription.unlisten();
    },
    close: async () => {
      await Promise.all([pool.end(5), listener.end({ timeout: 5 })]);
    },
  };
}
