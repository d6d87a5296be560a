// `pnpm bench` (chat relay): what the chat function adds on top of the model. A stand-in upstream streams
// tokens at a fixed pace; we time first token and whole stream straight from it and through POST /chat on
// the local stack (PGlite), then hold 500 streams at once. Loopback only; every loop is bounded.
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { openDatabase, prepareDatabase } from '../../packages/local/src/database.ts';
import { ensureDemoKeys } from '../../packages/local/src/demoKeys.ts';
import { createLocalApp } from '../../packages/local/src/server.ts';
import { createRuntime } from '../../supabase/functions/_shared/runtime.ts';
import { startPostgresCluster } from '../../supabase/tests/helpers/postgresCluster.ts';
import { directStream, percentile, relayedStream, startStandInModel, type Timing } from './streams.ts';

// Two stream shapes: a short burst (fixed costs show most) and a typical reply (200 tokens at 10 ms).
const PROFILES = [
  { name: 'short', tokens: 40, gapMs: 5, runs: 40 },
  { name: 'typical', tokens: 200, gapMs: 10, runs: 10 },
] as const;
let TOKENS = 40;
let GAP_MS = 5;
const CONCURRENT = 500;

const model = await startStandInModel(() => ({ tokens: TOKENS, gapMs: GAP_MS }));
const upstreamUrl = model.url;

// BENCH_DATABASE=postgres runs the same against a throwaway PostgreSQL cluster instead of PGlite.
const cluster = process.env.BENCH_DATABASE === 'postgres' ? await startPostgresCluster() : null;
const db = await openDatabase(cluster ? { kind: 'postgres', url: cluster.url } : { kind: 'memory' });
console.log(`database: ${cluster ? 'PostgreSQL (throwaway cluster)' : 'PGlite (in process)'}`);
await prepareDatabase(db);
const keys = await ensureDemoKeys(db, {}, null);
await db.query(`update agents set rate_limits = '{"visitorPerMinute": 1000, "ipPerMinute": 10000}'`);
const app = createLocalApp(createRuntime(db, { LLM_BASE_URL: upstreamUrl, LLM_MODEL: 'bench-model' }));
const stack = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
await new Promise((resolve) => stack.once('listening', resolve));
const stackUrl = `http://127.0.0.1:${(stack.address() as AddressInfo).port}/functions/v1`;

const direct = () => directStream(upstreamUrl);
const secretKey = keys.secretKey;
if (!secretKey) throw new Error('the demo secret key was not made');
const relayed = () => relayedStream(stackUrl, secretKey);

const ms = (n: number) => `${n.toFixed(1)} ms`;

for (let i = 0; i < 5; i++) await Promise.all([direct(), relayed()]); // warm-up
console.log('| stream | measure | straight from upstream | through POST /chat | overhead |');
console.log('| --- | --- | --- | --- | --- |');
for (const profile of PROFILES) {
  TOKENS = profile.tokens;
  GAP_MS = profile.gapMs;
  const directRuns: Timing[] = [];
  const relayRuns: Timing[] = [];
  for (let i = 0; i < profile.runs; i++) {
    directRuns.push(await direct());
    relayRuns.push(await relayed());
  }
  const p = (runs: Timing[], key: 'firstToken' | 'total', q: number) =>
    percentile(
      runs.map((t) => t[key]),
      q,
    );
  const label = `${profile.tokens} tokens × ${profile.gapMs} ms (${profile.runs} runs)`;
  for (const [measure, key, q] of [
    ['first token p50', 'firstToken', 50],
    ['first token p95', 'firstToken', 95],
    ['whole stream p50', 'total', 50],
  ] as const) {
    const d = p(directRuns, key, q);
    const r = p(relayRuns, key, q);
    const overhead = key === 'total' ? `${((r / d - 1) * 100).toFixed(1)} %` : `+${ms(r - d)}`;
    console.log(`| ${label} | ${measure} | ${ms(d)} | ${ms(r)} | ${overhead} |`);
  }
}
TOKENS = 40;
GAP_MS = 5;

global.gc?.();
const rssBefore = process.memoryUsage().rss;
let peakRss = rssBefore;
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}, 20);
const burstStarted = performance.now();
const burst = await Promise.all(
  Array.from({ length: CONCURRENT }, () => relayed().catch(() => ({ ok: false, firstToken: 0, total: 0 }))),
);
const burstMs = performance.now() - burstStarted;
clearInterval(sampler);
const completed = burst.filter((t) => t.ok).length;
const [stored] = await db.query<{ n: number }>(
  `select count(*)::int as n from messages where role = 'assistant' and status = 'complete' and created_at > now() - interval '10 minutes'`,
);

console.log(
  `${CONCURRENT} concurrent streams: ${completed} completed with done, ${CONCURRENT - completed} lost, in ${ms(burstMs)}; ` +
    `${stored?.n ?? 0} complete replies stored in all; peak RSS +${((peakRss - rssBefore) / 1024 / 1024).toFixed(0)} MiB ` +
    `(~${((peakRss - rssBefore) / 1024 / CONCURRENT).toFixed(0)} KiB a stream)`,
);

stack.close();
model.close();
await db.close();
await cluster?.stop();
process.exit(completed === CONCURRENT ? 0 : 1);
