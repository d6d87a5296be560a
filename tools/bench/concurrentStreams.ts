// `pnpm bench` (500 concurrent streams): the local stack as `pnpm start` runs it with DATABASE_URL — its own
// process, over a throwaway PostgreSQL cluster — relays 500 chat streams at once from a stand-in upstream.
// First-token p50/p95 through POST /chat is printed beside the same 500 streams sent straight to the
// upstream, against the budget (first-token p95 ≤ 1 s). Loopback only; every wait is bounded.
import { type ChildProcess, spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { createPostgresDatabase } from '../../supabase/functions/_shared/db/postgres.ts';
import { startPostgresCluster } from '../../supabase/tests/helpers/postgresCluster.ts';
import { directStream, percentile, relayedStream, startStandInModel, type Timing } from './streams.ts';

const CONCURRENT = Number(process.env.BENCH_CONCURRENT ?? 500);
const TOKENS = 40;
const GAP_MS = 5;
const BUDGET_P95_MS = 1000;

// The stand-in model: 40 tokens, one every 5 ms, then finish, usage and [DONE].
const model = await startStandInModel(() => ({ tokens: TOKENS, gapMs: GAP_MS }));
const upstreamUrl = model.url;

const cluster = await startPostgresCluster();
const port = 40000 + Math.floor(Math.random() * 10000);
const stack = await startStack(port);

const direct = () => directStream(upstreamUrl);
const relayed = () => relayedStream(`http://127.0.0.1:${port}/functions/v1`, stack.secretKey);

const ms = (n: number) => `${n.toFixed(0)} ms`;

async function burst(run: () => Promise<Timing>) {
  const started = performance.now();
  const timings = await Promise.all(Array.from({ length: CONCURRENT }, run));
  const firsts = timings.filter((t) => t.ok).map((t) => t.firstToken);
  return {
    completed: firsts.length,
    p50: percentile(firsts, 50),
    p95: percentile(firsts, 95),
    wallMs: performance.now() - started,
  };
}

let exitCode = 0;
try {
  for (let i = 0; i < 20; i++) await Promise.all([direct(), relayed()]); // warm-up
  const straight = await burst(direct);
  const cpuBefore = await stack.cpuMs();
  const through = await burst(relayed);
  const stackCpuMs = (await stack.cpuMs()) - cpuBefore;
  const db = createPostgresDatabase(cluster.url, { max: 1 });
  const [stored] = await db.query<{ n: number }>(
    `select count(*)::int as n from messages where role = 'assistant' and status = 'complete'`,
  );
  await db.close();
  console.log(
    `\n${CONCURRENT} concurrent streams, local stack in its own process on PostgreSQL 15 (${TOKENS} tokens × ${GAP_MS} ms):`,
  );
  console.log('| measure | straight from upstream | through POST /chat |');
  console.log('| --- | --- | --- |');
  console.log(`| completed | ${straight.completed} | ${through.completed} |`);
  console.log(`| first token p50 | ${ms(straight.p50)} | ${ms(through.p50)} |`);
  console.log(`| first token p95 | ${ms(straight.p95)} | ${ms(through.p95)} |`);
  console.log(`| whole burst | ${ms(straight.wallMs)} | ${ms(through.wallMs)} |`);
  console.log(`complete replies stored: ${stored?.n ?? 0}`);
  // CPU the stack's process spent, which (unlike the wall-clock figures) hardly depends on other load.
  console.log(
    `stack process CPU: ${ms(stackCpuMs)} for the burst, ${(stackCpuMs / CONCURRENT).toFixed(2)} ms a stream`,
  );
  const met = through.p95 <= BUDGET_P95_MS && through.completed === CONCURRENT;
  console.log(
    `budget: first-token p95 ≤ ${BUDGET_P95_MS} ms with none lost — ${met ? 'met' : 'NOT met'} (${ms(through.p95)}, ${CONCURRENT - through.completed} lost)`,
  );
  if (through.completed !== CONCURRENT) exitCode = 1;
} finally {
  if (process.env.BENCH_DEBUG) console.error(stack.output().slice(-3000));
  await stack.stop();
  model.close();
  await cluster.stop();
}
process.exit(exitCode);

/** Runs packages/local's main.ts against the cluster, as `DATABASE_URL=… pnpm start` would. */
async function startStack(
  port: number,
): Promise<{ secretKey: string; output(): string; cpuMs(): Promise<number>; stop(): Promise<void> }> {
  const child: ChildProcess = spawn(
    process.execPath,
    [
      // BENCH_PROFILE=<dir> writes a V8 CPU profile of the stack there when it stops.
      ...(process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : []),
      '--import',
      'tsx',
      '--conditions=@closer/source',
      'src/main.ts',
      '--port',
      String(port),
    ],
    {
      cwd: fileURLToPath(new URL('../../packages/local/', import.meta.url)),
      env: {
        ...process.env,
        DATABASE_URL: cluster.url,
        LLM_BASE_URL: upstreamUrl,
        LLM_MODEL: 'stand-in',
        OPENROUTER_API_KEY: '',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  const ready = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the stack did not start:\n${output}`)), 120_000);
    child.stdout?.on('data', (data) => {
      output += data;
      const key = /secret key (sk_\S+)/.exec(output)?.[1];
      if (key && output.includes('Closer local stack ready')) {
        clearTimeout(timer);
        resolve(key);
      }
    });
    child.stderr?.on('data', (data) => (output += data));
    child.once('exit', (code) => reject(new Error(`the stack exited with ${code}:\n${output}`)));
  });
  const secretKey = await ready;
  // Visitors' limits out of the way: this measures the relay, not the rate limiter.
  const db = createPostgresDatabase(cluster.url, { max: 1 });
  await db.query(`update agents set rate_limits = '{"visitorPerMinute": 1000, "ipPerMinute": 10000}'`);
  await db.close();
  return {
    secretKey,
    output: () => output,
    cpuMs: async () => {
      // utime and stime (fields 14 and 15 of /proc/<pid>/stat), in clock ticks of 10 ms.
      const stat = await readFile(`/proc/${child.pid}/stat`, 'utf8').catch(() => '');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return (Number(fields[11] ?? 0) + Number(fields[12] ?? 0)) * 10;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
