// The postgres.js pool behind a Database, renewed when postgres.js has lost one of its connections for good.
import type postgres from 'postgres';

/** How long a replaced pool keeps serving what it already holds before it is ended (milliseconds). */
const DRAIN_MS = 30_000;

/**
 * postgres.js 3.4.9 queues a reservation (`sql.reserve()`, our transactions) and also hands it to the connection it
 * opens for it. When that connection fails to open — the FATAL of a terminated backend replayed onto the reconnect
 * (porsager/postgres#1223), a reset or refused socket, a connect timeout — the reservation is rejected but stays
 * queued, and the next connection that opens is handed to that dead request and kept out of the pool forever: after
 * a few such losses every transaction waits for a connection that never comes. So any refused reservation replaces
 * the pool with a fresh one (read in postgres/src/index.js `reserve`/`onopen`, connection.js `errored`); the old
 * one finishes what it is serving and is ended after {@link DRAIN_MS}. Reservations still waiting in the old pool's
 * queue when it is replaced may be among those that never get a connection: they reserve again from the new pool
 * (a connection the old pool hands them later is given straight back).
 */
export class RenewablePool {
  private current: postgres.Sql;
  private readonly retired = new Map<postgres.Sql, ReturnType<typeof setTimeout>>();
  /** The reservations waiting on the current pool, each told when that pool is replaced or ended. */
  private waiting = new Set<() => void>();
  private ended = false;

  constructor(private readonly open: () => postgres.Sql) {
    this.current = open();
  }

  /** The pool new statements go to. */
  get sql(): postgres.Sql {
    return this.current;
  }

  /**
   * A reserved connection. A refusal renews the pool and reserves once more, from the new one; a reservation
   * still waiting when another one's refusal renews the pool moves to the new one. Rejects once ended.
   */
  reserve(): Promise<postgres.ReservedSql> {
    return this.reserveFrom(this.current, true);
  }

  /** Ends every pool, the current and those still draining (seconds to wait for statements in flight). */
  async end(timeout: number): Promise<void> {
    this.ended = true;
    this.tellWaiting();
    const pools = [this.current, ...this.retired.keys()];
    for (const timer of this.retired.values()) clearTimeout(timer);
    this.retired.clear();
    await Promise.all(pools.map((pool) => pool.end({ timeout })));
  }

  private reserveFrom(pool: postgres.Sql, mayRenew: boolean): Promise<postgres.ReservedSql> {
    if (this.ended) return Promise.reject(poolEnded());
    return new Promise((resolve, reject) => {
      let settled = false;
      const settle = (next: () => void) => {
        this.waiting.delete(moved);
        if (settled) return false;
        settled = true;
        next();
        return true;
      };
      const reservation = pool.reserve();
      const moved = () =>
        settle(() => {
          if (this.ended) reject(poolEnded());
          else this.reserveFrom(this.current, mayRenew).then(resolve, reject);
        });
      this.waiting.add(moved);
      reservation.then(
        // Served after it moved on: given straight back.
        (connection) => settle(() => resolve(connection)) || connection.release(),
        (error: unknown) =>
          settle(() => {
            if (this.ended || !mayRenew) return reject(error);
            this.renew(pool);
            this.reserveFrom(this.current, false).then(resolve, reject);
          }),
      );
    });
  }

  private renew(pool: postgres.Sql): void {
    if (pool !== this.current) return; // another reservation renewed it already
    this.current = this.open();
    const timer = setTimeout(() => {
      this.retired.delete(pool);
      pool.end({ timeout: 5 }).catch(() => {});
    }, DRAIN_MS);
    unref(timer);
    this.retired.set(pool, timer);
    this.tellWaiting();
  }

  /** Tells every reservation waiting on the pool just replaced (or ended) to move on. */
  private tellWaiting(): void {
    const waiting = this.waiting;
    this.waiting = new Set();
    for (const moved of waiting) moved();
  }
}

const poolEnded = () =>
  Object.assign(new Error('the database connection pool has ended'), { code: 'CONNECTION_ENDED' });

/** A drain timer must not keep a process (a test, a CLI) alive. */
function unref(timer: ReturnType<typeof setTimeout>): void {
  if (typeof timer === 'object' && timer !== null && 'unref' in timer) (timer as { unref(): void }).unref();
  else if (typeof timer === 'number')
    (globalThis as { Deno?: { unrefTimer(id: number): void } }).Deno?.unrefTimer(timer);
}
