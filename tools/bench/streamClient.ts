// The bench's client in a process of its own (concurrentStreams.ts): on request (IPC) it starts `count` streams
// at once, straight to the model or through POST /chat, and answers with their first-token figures.
import { directStream, percentile, relayedStream, type Timing } from './streams.ts';

export interface BurstRequest {
  kind: 'direct' | 'relayed';
  count: number;
  modelUrl: string;
  functionsUrl: string;
  secretKey: string;
}

export interface BurstResult {
  completed: number;
  p50: number;
  p95: number;
  wallMs: number;
}

async function burst(request: BurstRequest): Promise<BurstResult> {
  const run = (): Promise<Timing> =>
    request.kind === 'direct'
      ? directStream(request.modelUrl)
      : relayedStream(request.functionsUrl, request.secretKey);
  const started = performance.now();
  const timings = await Promise.all(Array.from({ length: request.count }, run));
  const firsts = timings.filter((t) => t.ok).map((t) => t.firstToken);
  return {
    completed: firsts.length,
    p50: percentile(firsts, 50),
    p95: percentile(firsts, 95),
    wallMs: performance.now() - started,
  };
}

process.on('message', (request: BurstRequest) => {
  void burst(request).then((result) => process.send?.(result));
});
process.on('disconnect', () => process.exit(0));
