// Upstream bodies with a will of their own: paced, held at a gate, or endless until read no further.
import { HttpResponse } from 'msw';

const encoder = new TextEncoder();

/** Sends each part after its delay (ms), then closes. */
export function pacedResponse(parts: [delayMs: number, text: string][]): Response {
  let i = 0;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const part = parts[i++];
      if (!part) return controller.close();
      await new Promise((resolve) => setTimeout(resolve, part[0]));
      controller.enqueue(encoder.encode(part[1]));
    },
  });
  return new HttpResponse(body, { headers: { 'content-type': 'text/event-stream' } });
}

/** Sends `before`, waits until `open()` is called, then sends `after` and closes. */
export function gatedResponse(before: string[], after: string[]): { response: () => Response; open(): void } {
  let open = () => {};
  const gate = new Promise<void>((resolve) => {
    open = resolve;
  });
  return {
    open: () => open(),
    response: () => {
      const queue = [...before];
      let opened = false;
      const body = new ReadableStream<Uint8Array>({
        async pull(controller) {
          if (queue.length === 0 && !opened) {
            await gate;
            opened = true;
            queue.push(...after);
          }
          const next = queue.shift();
          if (next === undefined) return controller.close();
          controller.enqueue(encoder.encode(next));
        },
      });
      return new HttpResponse(body, { headers: { 'content-type': 'text/event-stream' } });
    },
  };
}
