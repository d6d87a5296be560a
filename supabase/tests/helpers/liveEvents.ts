// Reads an open live channel (`GET /chat/conversations/:id/events`) as a widget would: `until(n)` resolves with
// the next `n` events once they arrive, then stops reading.
import { createParser } from 'eventsource-parser';

export interface LiveEvent {
  event: string;
  id: string | undefined;
  data: Record<string, unknown>;
}

export function liveEvents(response: Response) {
  const events: LiveEvent[] = [];
  let wake: () => void = () => undefined;
  const parser = createParser({
    onEvent: (e) => {
      events.push({ event: e.event ?? 'message', id: e.id, data: JSON.parse(e.data) });
      wake();
    },
  });
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let ended = false;
  let opened: () => void = () => undefined;
  const open = new Promise<void>((resolve) => {
    opened = resolve;
  });
  void (async () => {
    for (;;) {
      const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
      opened();
      if (done) break;
      parser.feed(decoder.decode(value, { stream: true }));
    }
    ended = true;
    wake();
  })();
  return {
    /** Resolves once the server has subscribed (its first bytes). */
    open,
    async until(count: number): Promise<LiveEvent[]> {
      while (events.length < count && !ended) await new Promise<void>((resolve) => (wake = resolve));
      await reader.cancel().catch(() => undefined);
      return events.slice(0, count);
    },
  };
}
