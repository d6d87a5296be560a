// Acknowledgements before replies, within one process: Kommo gives up on a widget_request after 2 seconds, while a
// reply takes seconds anyway. Replies wait (a bounded while) until no acknowledgement is being worked on, so a burst
// of deliveries is acknowledged before the database and the CPU go to the replies it started.
import type { MiddlewareHandler } from 'hono';

export class AcknowledgementsFirst {
  private inFlight = 0;
  private waiters: (() => void)[] = [];

  /** Wraps the acknowledging route: counts the requests being worked on. */
  readonly counting: MiddlewareHandler = async (_c, next) => {
    this.inFlight++;
    try {
      await next();
    } finally {
      if (--this.inFlight === 0) this.wake();
    }
  };

  /** Resolves when no acknowledgement is in flight, or after `maxWaitMs` (replies are never starved). */
  quiet(maxWaitMs = 1000): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, maxWaitMs);
      this.waiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}
