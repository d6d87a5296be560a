// An open Server-Sent Events response read as a client would (the live channels' tests).
import { createParser } from 'eventsource-parser';

export interface LiveEvent {
  event: string;
  id: string | undefined;
  data: Record<string, unknown>;
}

/** An open event stream read as a client would: `next()` waits for the next event; `ended` when the server closes. */
export function liveReader(response: Response) {
  const queue: LiveEvent[] = [];
  const waiting: ((event: LiveEvent | null) => void)[] = [];
  let ended = false;
  let opened!: () => void;
  const open = new Promise<void>((resolve) => {
    opened = resolve;
  });
  let retry: number | undefined;
  /** Everything the server sent, as text (to check what a client could see). */
  let raw = '';
  const comments: string[] = [];
  const parser = createParser({
    onComment: (comment) => {
      comments.push(comment.trim());
    },
    onEvent: (e) => {
      const event = { event: e.event ?? 'message', id: e.id, data: JSON.parse(e.data) };
      const waiter = waiting.shift();
      if (waiter) waiter(event);
      else queue.push(event);
    },
    onRetry: (ms) => {
      retry = ms;
    },
  });
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  const done = (async () => {
    for (;;) {
      const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
      if (done) break;
      opened();
      const text = decoder.decode(value, { stream: true });
      raw += text;
      parser.feed(text);
    }
    ended = true;
    opened();
    for (const waiter of waiting.splice(0)) waiter(null);
  })();
  return {
    /** Resolves once the server has subscribed (its first bytes). */
    open,
    get retry() {
      return retry;
    },
    get ended() {
      return ended;
    },
    get raw() {
      return raw;
    },
    /** Comment lines received (`live channel open`, `ping`). */
    comments,
    done,
    next: (): Promise<LiveEvent | null> =>
      queue.length > 0
        ? Promise.resolve(queue.shift()!)
        : ended
          ? Promise.resolve(null)
          : new Promise((r) => waiting.push(r)),
    close: () => reader.cancel().catch(() => undefined),
  };
}
