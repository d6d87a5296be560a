// Ends an upstream stream that keeps the visitor waiting: the first event must arrive within
// `firstEventMs` (a model that never starts), each later one within `idleMs` (a model that stalls).
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
  try {
    for (;;) {
      const ms = first ? timeouts.firstEventMs : timeouts.idleMs;
      const what = first ? 'did not start answering within' : 'sent nothing for';
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          onTimeout();
          reject(new UpstreamError(`the model ${what} ${duration(ms)}`, { status: 504 }));
        }, ms);
      });
      try {
        const next = await Promise.race([iterator.next(), timeout]);
        if (next.done) return;
        first = false;
        yield next.value;
      } finally {
        clearTimeout(timer);
      }
    }
  } finally {
    // Not awaited: a source stuck in a read would hold us here; it is aborted by onTimeout instead.
    void iterator.return?.()?.catch(() => undefined);
  }
}

const duration = (ms: number) => (ms < 1000 ? `${ms} ms` : `${Math.round(ms / 1000)} s`);
