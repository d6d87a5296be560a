// Statements of one transaction sent together: on postgres.js they go out in one socket write and run in order,
// saving a round trip (and a write, the stack's costliest system call) for each; elsewhere one after another.
import type { Queryable, Row } from './types.ts';

export interface Statement {
  text: string;
  params?: readonly unknown[];
}

/**
 * Runs `statements` in order and returns each one's rows. When the driver pipelines, all are issued at once and
 * the first failure is thrown (the later ones fail only because the transaction is aborted).
 */
export async function inOrder(tx: Queryable, statements: readonly Statement[]): Promise<Row[][]> {
  if (!tx.pipelines) {
    const results: Row[][] = [];
    for (const s of statements) results.push(await tx.query(s.text, s.params));
    return results;
  }
  const pending = statements.map((s) => tx.query(s.text, s.params));
  for (const p of pending) p.catch(() => {});
  const results: Row[][] = [];
  for (const p of pending) results.push(await p);
  return results;
}

/**
 * Issues `first` and runs `rest` behind it without waiting for its answer when the driver pipelines (its
 * failure still fails the whole); otherwise waits for `first`, then runs `rest`.
 */
export async function behind<T>(tx: Queryable, first: Promise<unknown>, rest: () => Promise<T>): Promise<T> {
  if (!tx.pipelines) {
    await first;
    return rest();
  }
  first.catch(() => {});
  try {
    const result = await rest();
    await first;
    return result;
  } catch (error) {
    await first; // its own failure is the cause: what follows it fails only because the transaction aborted
    throw error;
  }
}

/**
 * Runs `statements` as the transaction's last ones: where the driver pipelines, COMMIT is written behind them
 * (one write, one round trip, and the rows they lock are held only while the server runs them); elsewhere they
 * run in order and the transaction commits when its function returns. Returns each statement's rows.
 */
export async function lastBeforeCommit(tx: Queryable, statements: readonly Statement[]): Promise<Row[][]> {
  if (!tx.pipelines || !tx.commitNow) return inOrder(tx, statements);
  const results = inOrder(tx, statements);
  const committed = tx.commitNow();
  committed.catch(() => {});
  const rows = await results; // a failure here is the cause; COMMIT became a rollback behind it
  await committed;
  return rows;
}
