// Groups a fast model's many small deltas into fewer writes: the first piece goes out at once, later ones
// at most every `intervalMs` or when `maxChars` have gathered. One write per token was most of the relay's
// CPU under load (a socket write each).

export interface CoalesceOptions {
  /**
   * Least time between two flushes of gathered text (default 30 ms); a function is asked at each piece, so the
   * interval can follow the process's load (relayLoad.ts).
   */
  intervalMs?: number | (() => number);
  /** Gathered characters that flush at once, whatever the time (default 512). */
  maxChars?: number;
}

export interface DeltaCoalescer {
  /** Adds text; flushes now when it is the first text after a quiet spell, or enough has gathered. */
  push(text: string): void;
  /** Flushes whatever is gathered (before any other event, and at the end). */
  flush(): void;
  /** Drops the timer; gathered text is flushed first. */
  close(): void;
}

export function coalesceDeltas(send: (text: string) => void, options: CoalesceOptions = {}): DeltaCoalescer {
  const interval = options.intervalMs ?? 30;
  const intervalMs = typeof interval === 'number' ? () => interval : interval;
  const maxChars = options.maxChars ?? 512;
  let gathered = '';
  let lastFlush = Number.NEGATIVE_INFINITY;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const flush = () => {
    if (timer !== undefined) {
      clearTimeout(timer);
      timer = undefined;
    }
    if (gathered === '') return;
    const text = gathered;
    gathered = '';
    lastFlush = performance.now();
    send(text);
  };

  return {
    push(text) {
      if (text === '') return;
      gathered += text;
      if (timer !== undefined && gathered.length < maxChars) return; // a flush is due already
      const since = performance.now() - lastFlush;
      const wait = intervalMs() - since;
      if (wait <= 0 || gathered.length >= maxChars) flush();
      else timer = setTimeout(flush, wait);
    },
    flush,
    close: flush,
  };
}
