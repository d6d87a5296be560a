// `pnpm bench` (prompt trimming): assembling a prompt from a very long history, as the OpenAI-compatible
// endpoint receives it (15,000 turns, ~817 KiB), into small and large context windows. Pure CPU, no database.
import { agentCreate } from '../../packages/contract/src/index.ts';
import { assemblePrompt } from '../../supabase/functions/_shared/prompt/assemble.ts';

const base = agentCreate.parse({ name: 'Maya', persona: 'You are Maya, the solar advisor.' });
const history = Array.from({ length: 15_000 }, (_, i) => ({
  role: (i % 2 ? 'assistant' : 'user') as 'user' | 'assistant',
  content: `turn ${i} ${'x'.repeat(20)}`,
}));
const knowledge = Array.from({ length: 8 }, (_, i) => ({
  kind: 'knowledge' as const,
  id: crypto.randomUUID(),
  title: `Doc ${i}`,
  content: 'word '.repeat(400),
  score: 8 - i,
  matched: 'latest' as const,
}));

const rows: string[] = [];
for (const window of [4_096, 128_000]) {
  const agent = {
    ...base,
    model: 'bench',
    contextWindow: window,
    id: crypto.randomUUID(),
    orgId: crypto.randomUUID(),
    slug: 'maya',
    publishableKey: 'pk_bench',
    createdAt: new Date().toISOString(),
    updatedAt: new Date().toISOString(),
  };
  const input = {
    agent,
    history,
    message: 'And the price?',
    knowledge,
    objections: [],
    script: null,
    leadCaptured: false,
    toolsOffered: true,
  };
  for (let i = 0; i < 20; i++) assemblePrompt(input); // warm up
  const runs: number[] = [];
  let kept = 0;
  for (let i = 0; i < 200; i++) {
    const started = performance.now();
    kept = assemblePrompt(input).messages.length - 2;
    runs.push(performance.now() - started);
  }
  runs.sort((a, b) => a - b);
  const p = (q: number) => runs[Math.floor(q * (runs.length - 1))]!.toFixed(3);
  rows.push(
    `| 15,000 turns, window ${window.toLocaleString('en')} | ${p(0.5)} ms | ${p(0.95)} ms | ${kept} |`,
  );
}
console.log('| history | p50 | p95 | turns kept |\n| --- | --- | --- | --- |');
for (const row of rows) console.log(row);
