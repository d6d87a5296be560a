// Transactions on postgres.js written ahead of their answers (pipelined), and what happens when the connection
// under one is lost: a client waits on nothing forever, a broken connection never goes back to the pool, a
// transaction of which nothing ran is tried once more, and the failure that reaches a client is a connection
// error (a 503 `unavailable`, see unavailable.ts).
import postgres from 'postgres';
import type { Statement } from './pipeline.ts';
import type { Queryable, Row } from './types.ts';

export type Run = <T>(target: postgres.Sql, text: string, params: readonly unknown[]) => Promise<T[]>;
/** A connection of the pool reserved for one transaction (RenewablePool.reserve). */
export type Reserve = () => Promise<postgres.ReservedSql>;

/**
 * Tells a transaction that its reserved connection closed, even between two statements (postgres.js reports a
 * close only to statements in flight): the id is learnt when BEGIN is written (`onexecute`). Pass `notify` as
 * postgres.js's `onclose` option.
 */
export class ClosedWatch {
  private holders = new Map<number, () => void>();
  readonly notify = (id: number): void => this.holders.get(id)?.();
  watch(id: number, onClose: () => void): () => void {
    this.holders.set(id, onClose);
    return () => this.holders.delete(id);
  }
}

/** The error a statement gets once its connection is known to be gone (a 503 `unavailable` to a client). */
export function connectionClosed(): Error {
  return Object.assign(new Error('the database connection closed'), { code: 'CONNECTION_CLOSED' });
}

/**
 * A reserved connection whose statements all fail at once when it is lost (postgres.js may otherwise never settle
 * what was queued on it, and would crash the process on a write to a closed one), and which goes back to the
 * pool only when the server is known to be answering on it.
 */
class Held {
  private lostBy: unknown = null;
  private readonly gone: Promise<never>;
  private markGone!: (error: unknown) => void;
  private unwatch: () => void = () => {};

  constructor(
    private readonly connection: postgres.ReservedSql,
    private readonly run: Run,
    private readonly closes: ClosedWatch,
  ) {
    this.gone = new Promise<never>((_, reject) => {
      this.markGone = reject;
    });
    this.gone.catch(() => {});
  }

  get lost(): boolean {
    return this.lostBy !== null;
  }

  private lose(error: unknown): void {
    if (this.lostBy !== null) return;
    this.lostBy = error;
    this.markGone(error);
  }

  /** BEGIN, watched: from here on a close of this connection fails every statement still waiting on it. */
  begin(): Promise<unknown> {
    const started = this.connection.unsafe('begin', [], {
      onexecute: (c: { id: number }) => {
        this.unwatch = this.closes.watch(c.id, () => this.lose(connectionClosed()));
        return true;
      },
    } as never) as unknown as Promise<unknown>;
    return this.settled(started);
  }

  send<R = Row>(text: string, params: readonly unknown[] = []): Promise<R[]> {
    if (this.lostBy !== null) return quiet(Promise.reject(this.lostBy));
    return this.settled(this.run<R>(this.connection, text, params));
  }

  private settled<R>(answer: Promise<R>): Promise<R> {
    return quiet(
      Promise.race([answer, this.gone]).catch((error: unknown) => {
        // A FATAL may be postgres.js replaying an old backend's error on a live connection (porsager/postgres#1223):
        // the connection is lost only when it closes (the watch) or fails without any answer.
        if (!(error instanceof postgres.PostgresError)) this.lose(error);
        throw error;
      }),
    );
  }

  /**
   * Ends the transaction's use of the connection: after a failure, a ROLLBACK first (it also tells whether the
   * server still answers); handed back to the pool only when it does.
   */
  async finish(rollback: boolean): Promise<void> {
    try {
      if (rollback && !this.lost) await this.send('rollback').catch(() => {});
      if (!this.lost) this.connection.release();
    } finally {
      this.unwatch();
    }
  }
}

/**
 * Whoever awaits a statement gets its failure; one nobody awaits any more (its transaction already failed on an
 * earlier one, or a pipelined statement written after it) must not become an unhandled rejection.
 */
function quiet<T>(statement: Promise<T>): Promise<T> {
  statement.catch(() => {});
  return statement;
}

/** Thrown by an attempt of which nothing ran: the transaction may be tried again (`cause` is the failure). */
class NothingRan extends Error {}

/** Runs `attempt` once more when it failed before anything of it ran; the cause otherwise. */
async function onceMoreIfNothingRan<T>(attempt: () => Promise<T>): Promise<T> {
  try {
    return await attempt();
  } catch (error) {
    if (!(error instanceof NothingRan)) throw error;
    try {
      return await attempt();
    } catch (again) {
      throw again instanceof NothingRan ? again.cause : again;
    }
  }
}

/**
 * A transaction on a reserved connection whose BEGIN is written together with its first statements (postgres.js's
 * own `begin` waits for BEGIN's answer first): one round trip and one socket write fewer per transaction. COMMIT
 * is written only once BEGIN was answered, so when the connection is lost (or BEGIN gets a replayed FATAL) before
 * that, nothing of the transaction was kept and it is run once more, `fn` included, on another connection —
 * unless `fn` wrote COMMIT itself (`commitNow`, behind its last statements): then COMMIT's answer decides.
 */
export function pipelinedTransaction<T>(
  reserve: Reserve,
  run: Run,
  closes: ClosedWatch,
  fn: (tx: Queryable) => Promise<T>,
): Promise<T> {
  return onceMoreIfNothingRan(async () => {
    const held = new Held(await reserve(), run, closes);
    let begun = false;
    const began = held.begin().then(() => {
      begun = true;
    });
    began.catch(() => {});
    let failed = true;
    // Set once COMMIT was written from inside `fn` (commitNow): the transaction ends with its answer.
    let committing: Promise<void> | null = null;
    const commit = () => quiet(held.send('commit').then(mustHaveCommitted));
    try {
      const result = await fn({
        pipelines: true,
        query: <R = Row>(text: string, params?: readonly unknown[]) =>
          committing
            ? quiet(Promise.reject(new Error('the transaction is committing: nothing more can run in it')))
            : quiet(held.send<R>(text, params).then(plain)),
        commitNow: () => {
          committing ??= commit();
          return committing;
        },
      });
      if (committing) {
        // Written with the statements, perhaps before BEGIN's answer: COMMIT's own answer tells what was kept
        // (as for a transaction sent whole, see transactionAtOnce).
        await committing;
      } else {
        await began;
        await commit();
      }
      failed = false;
      return result;
    } catch (error) {
      if (committing) {
        // COMMIT was written, so the transaction ended either way (a rollback behind a failed statement) and
        // may have run: no ROLLBACK is due and it is not tried again. The connection goes back unless lost.
        await (committing as Promise<void>).catch(() => {});
        failed = false;
        throw error;
      }
      const beginError = await began.then(
        () => null,
        (e: unknown) => e,
      );
      if (!begun && !answered(beginError))
        throw new NothingRan('nothing of the transaction ran', { cause: error });
      throw error;
    } finally {
      await held.finish(failed);
    }
  });
}

/**
 * Transactions written in one go on one reserved connection (Database.atOnce): BEGIN, the first's statements,
 * COMMIT, BEGIN, the next's… — one write and one round trip for all of them. Each settles on its own: its rows, or
 * its first failure (in a failed transaction COMMIT rolls back, and the others are untouched). Once written they
 * may all have run, so a lost connection fails them (their outcome unknown, as for any COMMIT whose answer was
 * lost). An answer for COMMIT after a FATAL on BEGIN (a replayed error, porsager/postgres#1223) means the
 * transaction ran and committed.
 */
export function transactionsAtOnce(
  reserve: Reserve,
  run: Run,
  closes: ClosedWatch,
  transactions: readonly (readonly Statement[])[],
): Promise<Row[][]>[] {
  const settled = onceMoreIfNothingRan(async () => {
    const held = new Held(await reserve(), run, closes);
    let failed = true;
    try {
      const sent = transactions.map((statements) =>
        Promise.allSettled([
          held.begin(),
          ...statements.map((s) => held.send(s.text, s.params ?? [])),
          held.send('commit'), // in a failed transaction, COMMIT rolls back
        ]),
      );
      const outcomes = (await Promise.all(sent)).map(outcomeOf);
      failed = outcomes.some((o) => o.status === 'rejected');
      return outcomes;
    } finally {
      await held.finish(failed);
    }
  });
  return transactions.map(async (_, index) => {
    const outcome = (await settled)[index]!;
    if (outcome.status === 'rejected') throw outcome.reason;
    return outcome.value;
  });
}

/** One transaction of transactionsAtOnce, from the answers to its BEGIN, statements and COMMIT. */
function outcomeOf([begin, ...rest]: PromiseSettledResult<unknown>[]): PromiseSettledResult<Row[][]> {
  const commit = rest.pop();
  const failure = [...rest, commit].find((r) => r?.status === 'rejected');
  if (failure?.status === 'rejected') return failure;
  if (begin?.status === 'rejected' && answered(begin.reason)) return begin;
  return {
    status: 'fulfilled',
    value: rest.map((r) => plain((r as PromiseFulfilledResult<Row[]>).value)),
  };
}

/** A COMMIT behind a failed statement is answered `ROLLBACK`, not with an error: it must not pass for success. */
function mustHaveCommitted(result: unknown): void {
  if ((result as { command?: string }).command === 'ROLLBACK')
    throw new Error('the transaction was rolled back: one of its statements failed');
}

/**
 * One statement outside a transaction, on a connection reserved for it (not the pool's own queue): a statement
 * waiting for a connection then moves with the reservation when the pool is renewed (RenewablePool), where in
 * the old pool's queue postgres.js could hand its connections to dead requests and leave it waiting until that
 * pool is ended. The connection goes back to the pool only when the server answered on it (rows or an error —
 * a replayed FATAL included, see onceMoreIfStale), as a transaction's does; a lost one is left to postgres.js.
 */
export async function reservedStatement<T>(
  reserve: Reserve,
  run: Run,
  text: string,
  params: readonly unknown[],
): Promise<T[]> {
  const connection = await reserve();
  try {
    const rows = await run<T>(connection, text, params);
    connection.release();
    return rows;
  } catch (error) {
    if (error instanceof postgres.PostgresError) connection.release();
    throw error;
  }
}

/**
 * postgres.js 3.4.9 keeps the FATAL error of a backend that was terminated (pg_terminate_backend, SQLSTATE
 * 57P01; a failover) mid-statement and replays it when that connection has reconnected, rejecting the first
 * query or reservation of the new, healthy connection before any of it runs (porsager/postgres#1223). So a
 * FATAL error is tried once more: a replayed one ran nothing, and a real one means the server ended the
 * backend and rolled its statement back. Connection losses without a server answer are not retried.
 */
export async function onceMoreIfStale<T>(attempt: () => Promise<T>): Promise<T> {
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
export function plain<T>(rows: T[]): T[] {
  return Array.from(rows);
}
