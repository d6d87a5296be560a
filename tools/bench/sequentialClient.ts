// The client of `pnpm bench:phases` (turnPhases.ts) in a process of its own, so that none of its CPU lands in the
// stack's account: on request (IPC) it sends `count` chat turns through POST /chat, `concurrency` at a time (1:
// one after another), and answers with how many ended with `done`.
import { relayedStream } from './streams.ts';

export interface SequentialRequest {
  functionsUrl: string;
  secretKey: string;
  count: number;
  concurrency: number;
}

async function run(request: SequentialRequest): Promise<{ completed: number }> {
  let next = 0;
  let completed = 0;
  const lane = async () => {
    while (next < request.count) {
      next++;
      if ((await relayedStream(request.functionsUrl, request.secretKey)).ok) completed++;
    }
  };
  await Promise.all(Array.from({ length: request.concurrency }, lane));
  return { completed };
}

process.on('message', (request: SequentialRequest) => {
  void run(request).then((result) => process.send?.(result));
});
process.on('disconnect', () => process.exit(0));
