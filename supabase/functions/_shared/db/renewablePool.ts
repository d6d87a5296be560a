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
 * one finishes what it is serving and is ended after {@link DRAIN_MS}.
 */
export class RenewablePool {
  private current: postgres.Sql;
  private readonly retired = new Map<postgres.Sql, ReturnType<typeof setTimeout>>();
  private ended = false;

  constructor(private readonly open: () => postgres.Sql) {
    this.current = open();
  }

  /** The pool new statements go to. */
  get sql(): postgres.Sql {
    return this.current;
  }

  /** A reserved connection; a refusal renews the pool and reserves once more, from the new one. */
  async reserve(): Promise<postgres.ReservedSql> {
    const pool = this.current;
    try {
      return await pool.reserve();
    } catch (error) {
      if (this.ended) throw error;
      this.renew(pool);
      return this.current.reserve();
    }
  }

  /** Ends every pool, the current and those still draining (seconds to wait for statements in flight). */
  async end(timeout: number): Promise<void> {
    this.ended = true;
    const pools = [this.current, ...this.retired.keys()];
    for (const timer of this.retired.values()) clearTimeout(timer);
    this.retired.clear();
    await Promise.all(pools.map((pool) => pool.end({ timeout })));
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
  }
}

/** A drain timer must not keep a process (a test, a CLI) alive. */
function unref(timer: ReturnType<typeof setTimeout>): void {
  if (typeof timer === 'object' && timer !== null && 'unref' in timer) (timer as { unref(): void }).unref();
  else if (typeof timer === 'number')
    (globalThis as { Deno?: { unrefTimer(id: number): void } }).Deno?.unrefTimer(timer);
}
