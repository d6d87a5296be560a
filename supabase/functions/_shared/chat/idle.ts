// Ends an upstream stream that keeps the visitor waiting: the first event must arrive within
// `firstEventMs` (a model that never starts), each later one within `idleMs` (a model that stalls).
// One timer and one timeout promise per stream, not per event: this runs once for every relayed token.
import { UpstreamError } from '../llm/errors.ts';

export interface StreamTimeouts {
  /** Time allowed before the first event, in milliseconds. */
  firstEventMs: number;
  /** Time allowed between two events, in milliseconds. */
  idleMs: number;
}

export async function* withIdleTimeout<T>(
  source: AsyncIterable<T>,
  timeouts: StreamTimeouts,
  onTimeout: () => void,
): AsyncIterable<T> {
  const iterator = source[Symbol.asyncIterator]();
  let first = true;
  let deadline = performance.now() + timeouts.firstEventMs;
  // While the consumer handles an event the clock is stopped: that time is not the model's silence.
  let paused = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_, reject) => {
    // Re-armed only when it fires early: events move the deadline without touching the timer.
    const check = () => {
      const left = deadline - performance.now();
      if (paused || left > 0) {
        timer = setTimeout(check, paused ? timeouts.idleMs : left);
        return;
      }
      onTimeout();
      const what = first
        ? `did not start answering within ${duration(timeouts.firstEventMs)}`
        : `sent nothing for ${duration(timeouts.idleMs)}`;
      reject(new UpstreamError(`the model ${what}`, { status: 504 }));
    };
    timer = setTimeout(check, timeouts.firstEventMs);
  });
  expired.catch(() => undefined);
  try {
    for (;;) {
      const next = await Promise.race([iterator.next(), expired]);
      if (next.done) return;
      first = false;
      paused = true;
      yield next.value;
      paused = false;
      deadline = performance.now() + timeouts.idleMs;
    }
  } finally {
    clearTimeout(timer);
    // Not awaited: a source stuck in a read would hold us here; it is aborted by onTimeout instead.
    void iterator.return?.()?.catch(() => undefined);
  }
}

const duration = (ms: number) => (ms < 1000 ? `${ms} ms` : `${Math.round(ms / 1000)} s`);
