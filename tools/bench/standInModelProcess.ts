// The stand-in model in a process of its own (concurrentStreams.ts): on this 2-core machine, serving 500 streams
// from the bench's client process would make that process the bottleneck of both figures it compares.
// Tells its parent the URL (IPC), then serves until the parent goes.
import { startStandInModel } from './streams.ts';

const tokens = Number(process.env.BENCH_TOKENS ?? 40);
const gapMs = Number(process.env.BENCH_GAP_MS ?? 5);
const model = await startStandInModel(() => ({ tokens, gapMs }));
process.send?.({ url: model.url });
process.on('disconnect', () => {
  model.close();
  process.exit(0);
});
