// The one small interface every database driver implements.
import type { Statement } from './pipeline.ts';

export type Row = Record<string, unknown>;

export interface Queryable {
  /** Runs one statement with `$1…` parameters and returns its rows. */
  query<T = Row>(text: string, params?: readonly unknown[]): Promise<T[]>;
  /**
   * True when statements issued without awaiting each other run in the order they were issued (postgres.js
   * writes them to the transaction's one connection, in one socket write). PGlite gives no such promise.
   */
  readonly pipelines?: boolean;
  /**
   * In a pipelined transaction: writes COMMIT now, behind every statement issued so far, so the last statements
   * and COMMIT share one write and one round trip. Nothing may be issued after it. A statement before it that
   * fails turns COMMIT into a rollback (the server's rule), and the transaction then fails with that statement's
   * error. See pipeline.ts `lastBeforeCommit`.
   */
  commitNow?(): Promise<void>;
}

export interface Database extends Queryable {
  readonly driver: 'postgres' | 'pglite';
  /** Runs `fn` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /**
   * Runs each list of statements as a transaction of its own, all of them written whole on one connection (BEGIN,
   * statements, COMMIT, BEGIN, … in one go), so row locks are held only while the server runs them. Transactions
   * settle independently: each promise has its statements' rows, or its first failure (nothing of it is kept).
   * Drivers that cannot pipeline leave it out (see tenant.ts `withTenantsAtOnce`).
   */
  atOnce?(transactions: readonly (readonly Statement[])[]): Promise<Row[][]>[];
  /**
   * LISTENs on `channel` on a connection of its own and calls `onNotify` with each payload; `onListening` runs
   * each time the listen is (re)established (notifications sent while it was down are lost: re-read then).
   * Resolves to a function that stops listening.
   */
  listen?(
    channel: string,
    onNotify: (payload: string) => void,
    onListening?: () => void,
  ): Promise<() => Promise<void>>;
  /** Runs a script of several statements (migrations, seed) in one transaction of its own. */
  exec(script: string): Promise<void>;
  close(): Promise<void>;
}
