// Reads a Server-Sent Events response into its events (comments included), as a client would.
import { createParser } from 'eventsource-parser';

export interface ReadEvent {
  event: string;
  data: Record<string, unknown>;
}

export async function readSse(response: Response): Promise<{ events: ReadEvent[]; comments: string[] }> {
  const events: ReadEvent[] = [];
  const comments: string[] = [];
  const parser = createParser({
    onEvent: (e) =>
      events.push({
        event: e.event ?? 'message',
        data: e.data === '[DONE]' ? { done: true } : JSON.parse(e.data),
      }),
    onComment: (c) => comments.push(c.trim()),
  });
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    parser.feed(decoder.decode(value, { stream: true }));
  }
  return { events, comments };
}

export const text = (events: ReadEvent[]) =>
  events
    .filter((e) => e.event === 'delta')
    .map((e) => e.data.text)
    .join('');
