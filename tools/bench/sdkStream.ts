// `pnpm bench` (SDK stream parsing): how fast ChatStream turns Server-Sent Events into typed events, from an
// in-memory response cut into 1 KiB network chunks. No network: this is the client's own cost.
import { createChatClient } from '../../packages/sdk/src/chat.ts';

const DELTAS = 100_000;
const body =
  'event: start\ndata: {"conversationId":"c","messageId":"m"}\n\n' +
  'event: delta\ndata: {"text":"word "}\n\n'.repeat(DELTAS) +
  'event: done\ndata: {"messageId":"m","finishReason":"stop","usage":{"inputTokens":1,"outputTokens":1}}\n\n';
const bytes = new TextEncoder().encode(body);

const chat = createChatClient({
  url: 'http://bench.invalid',
  publishableKey: 'pk_bench_0123456789',
  fetch: async () => {
    let offset = 0;
    return new Response(
      new ReadableStream({
        pull(controller) {
          if (offset >= bytes.length) return controller.close();
          controller.enqueue(bytes.subarray(offset, offset + 1024));
          offset += 1024;
        },
      }),
      { headers: { 'content-type': 'text/event-stream' } },
    );
  },
});

const runs: number[] = [];
for (let run = 0; run < 5; run++) {
  const started = performance.now();
  const result = await chat.send({ message: 'bench' });
  runs.push(performance.now() - started);
  if (result.text.length !== DELTAS * 5) throw new Error('lost text');
}
const best = Math.min(...runs);
console.log(
  `\nSDK stream parsing: ${DELTAS.toLocaleString('en')} delta events (${(bytes.length / 1024 / 1024).toFixed(1)} MiB) in ${best.toFixed(0)} ms ` +
    `(best of 5) = ${Math.round(DELTAS / (best / 1000)).toLocaleString('en')} events/s, ${(bytes.length / 1024 / 1024 / (best / 1000)).toFixed(1)} MiB/s`,
);
