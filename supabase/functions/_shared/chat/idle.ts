// Ends an upstream stream that stops sending: each next event must arrive within `ms`.
import { UpstreamError } from '../llm/errors.ts';

export async function* withIdleTimeout<T>(
  source: AsyncIterable<T>,
  ms: number,
  onTimeout: () => void,
): AsyncIterable<T> {
  const iterator = source[Symbol.asyncIterator]();
  try {
    for (;;) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          onTimeout();
          reject(new UpstreamError(`the model sent nothing for ${Math.round(ms / 1000)} s`, { status: 504 }));
        }, ms);
      });
      try {
        const next = await Promise.race([iterator.next(), timeout]);
        if (next.done) return;
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
