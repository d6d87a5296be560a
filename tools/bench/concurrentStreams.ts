// `pnpm bench` (500 concurrent streams): the local stack as `pnpm start` runs it with DATABASE_URL — its own
// process(es), over a throwaway PostgreSQL cluster — relays 500 chat streams at once from a stand-in upstream.
// First-token p50/p95 through POST /chat is printed beside the same 500 streams sent straight to the upstream,
// against the budget (first-token p95 ≤ 1 s). The client, the stand-in upstream and the stack each run in a process
// of their own, as they would on separate machines (sharing this one's two cores). Loopback only; every wait is
// bounded. BENCH_CONCURRENT changes the count, BENCH_WORKERS the stack's serving processes (`--workers`, default
// 2: this machine's cores), BENCH_PROFILE=<dir> writes V8 CPU profiles of the stack's processes, BENCH_STATEMENTS=1
// prints PostgreSQL's busiest statements and PL/pgSQL functions, BENCH_PG_SETTINGS='name=value …' starts PostgreSQL
// with more settings, BENCH_PERF=<file> records `perf record -a -g` over the relayed burst alone.
// Besides the stack's CPU a stream, PostgreSQL's and the client's and upstream's are printed: together, the floor
// under the burst on this machine's cores.
import { type ChildProcess, fork, spawn } from 'node:child_process';
import { type AddressInfo, createServer } from 'node:net';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { createPostgresDatabase } from '../../supabase/functions/_shared/db/postgres.ts';
import { startPostgresCluster } from '../../supabase/tests/helpers/postgresCluster.ts';
import { reply } from './ipc.ts';
import { postmasterPid, treeCpuMs } from './processCpu.ts';
import type { BurstRequest, BurstResult } from './streamClient.ts';

const CONCURRENT = Number(process.env.BENCH_CONCURRENT ?? 500);
const WORKERS = Number(process.env.BENCH_WORKERS ?? 2);
const TOKENS = 40;
const GAP_MS = 5;
const BUDGET_P95_MS = 1000;

const tsx = ['--import', 'tsx', '--conditions=@closer/source'];
const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));

// The stand-in model: 40 tokens, one every 5 ms, then finish, usage and [DONE].
const modelProcess = fork(here('./standInModelProcess.ts'), [], {
  execArgv: tsx,
  env: { ...process.env, BENCH_TOKENS: String(TOKENS), BENCH_GAP_MS: String(GAP_MS) },
});
const { url: upstreamUrl } = await reply<{ url: string }>(modelProcess);
const client = fork(here('./streamClient.ts'), [], { execArgv: tsx });

// BENCH_STATEMENTS=1: PostgreSQL's busiest statements during the relayed burst (pg_stat_statements).
const STATEMENTS = process.env.BENCH_STATEMENTS === '1';
const cluster = await startPostgresCluster({
  settings: [
    ...(STATEMENTS ? ['shared_preload_libraries=pg_stat_statements', 'track_functions=pl'] : []),
    ...(process.env.BENCH_PG_SETTINGS?.split(' ').filter(Boolean) ?? []),
  ],
});
const port = await freePort();
const stack = await startStack(port);

const ms = (n: number) => `${n.toFixed(0)} ms`;
const burst = (kind: BurstRequest['kind'], count: number) => {
  const request: BurstRequest = {
    kind,
    count,
    modelUrl: upstreamUrl,
    functionsUrl: `http://127.0.0.1:${port}/functions/v1`,
    secretKey: stack.secretKey,
  };
  client.send(request);
  return reply<BurstResult>(client);
};

let exitCode = 0;
try {
  // Warm-up: code paths, every pooled connection's prepared statements.
  for (let i = 0; i < 5; i++) await burst('direct', 40);
  for (let i = 0; i < 5; i++) await burst('relayed', 40);
  const loadBefore = loadavg()[0]!;
  const straight = await burst('direct', CONCURRENT);
  const postgresPid = await postmasterPid(cluster.port);
  const cpu = async () => ({
    stack: await stack.cpuMs(),
    postgres: postgresPid ? await treeCpuMs(postgresPid) : Number.NaN,
    others: (await treeCpuMs(client.pid!)) + (await treeCpuMs(modelProcess.pid!)),
  });
  if (STATEMENTS)
    await statements(
      'create extension if not exists pg_stat_statements',
      'select pg_stat_statements_reset()',
      'select pg_stat_reset()',
    );
  const perf = process.env.BENCH_PERF
    ? spawn('perf', ['record', '-a', '-g', '-o', process.env.BENCH_PERF], { stdio: 'ignore' })
    : null;
  if (perf) await new Promise((resolve) => setTimeout(resolve, 500));
  const cpuBefore = await cpu();
  const through = await burst('relayed', CONCURRENT);
  const cpuAfter = await cpu();
  if (perf) {
    perf.kill('SIGINT');
    await new Promise((resolve) => perf.once('exit', resolve));
  }
  const stackCpuMs = cpuAfter.stack - cpuBefore.stack;
  const perStream = (ms: number) => `${(ms / CONCURRENT).toFixed(2)} ms a stream`;
  if (STATEMENTS) await printBusiestStatements();
  const db = createPostgresDatabase(cluster.url, { max: 1 });
  const [stored] = await db.query<{ n: number }>(
    `select count(*)::int as n from messages where role = 'assistant' and status = 'complete'`,
  );
  await db.close();
  console.log(
    `\n${CONCURRENT} concurrent streams, local stack on PostgreSQL 15 in ${WORKERS} serving process(es); client, upstream and stack in separate processes (${TOKENS} tokens × ${GAP_MS} ms):`,
  );
  console.log('| measure | straight from upstream | through POST /chat |');
  console.log('| --- | --- | --- |');
  console.log(`| completed | ${straight.completed} | ${through.completed} |`);
  console.log(`| first token p50 | ${ms(straight.p50)} | ${ms(through.p50)} |`);
  console.log(`| first token p95 | ${ms(straight.p95)} | ${ms(through.p95)} |`);
  console.log(`| whole burst | ${ms(straight.wallMs)} | ${ms(through.wallMs)} |`);
  console.log(`complete replies stored: ${stored?.n ?? 0}`);
  // CPU the stack's processes spent, which (unlike the wall-clock figures) hardly depends on other load.
  console.log(
    `stack CPU (all its processes): ${ms(stackCpuMs)} for the burst, ${(stackCpuMs / CONCURRENT).toFixed(2)} ms a stream`,
  );
  // What every part spent: with the stack's, the floor under the burst's wall time on this machine's two cores.
  console.log(
    `PostgreSQL CPU (all its processes): ${perStream(cpuAfter.postgres - cpuBefore.postgres)}; client and stand-in upstream: ${perStream(cpuAfter.others - cpuBefore.others)}`,
  );
  console.log(
    `load average (1 min): ${loadBefore.toFixed(2)} before the bursts, ${loadavg()[0]!.toFixed(2)} after`,
  );
  const met = through.p95 <= BUDGET_P95_MS && through.completed === CONCURRENT;
  console.log(
    `budget: first-token p95 ≤ ${BUDGET_P95_MS} ms with none lost — ${met ? 'met' : 'NOT met'} (${ms(through.p95)}, ${CONCURRENT - through.completed} lost)`,
  );
  if (through.completed !== CONCURRENT) exitCode = 1;
} finally {
  if (process.env.BENCH_DEBUG) console.error(stack.output().slice(-3000));
  await stack.stop();
  client.disconnect();
  modelProcess.disconnect();
  await cluster.stop();
}
process.exit(exitCode);

/**
 * A port nothing listens on now, the kernel's pick (a random one in 40000–49999 lies in the range the kernel hands
 * out to outgoing connections, and was taken now and then).
 */
async function freePort(): Promise<number> {
  const holder = createServer();
  await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
  const { port } = holder.address() as AddressInfo;
  await new Promise((resolve) => holder.close(resolve));
  return port;
}

/** Runs each statement on a connection of its own to the cluster. */
async function statements(...texts: string[]): Promise<void> {
  const db = createPostgresDatabase(cluster.url, { max: 1 });
  for (const text of texts) await db.query(text);
  await db.close();
}

/**
 * The statements that took longest in all (execution time: waits for row locks and for the CPU included, so under
 * load they show where turns queue, not only where the server computes).
 */
async function printBusiestStatements(): Promise<void> {
  const db = createPostgresDatabase(cluster.url, { max: 1 });
  const rows = await db.query<{ query: string; calls: number; total: number; mean: number }>(
    `select left(regexp_replace(query, '[[:space:]]+', ' ', 'g'), 110) as query, calls::int,
       total_exec_time::float8 as total, mean_exec_time::float8 as mean
     from pg_stat_statements order by total_exec_time desc limit 15`,
  );
  const functions = await db.query<{ name: string; calls: number; total: number; self: number }>(
    `select funcname as name, calls::int, total_time::float8 as total, self_time::float8 as self
     from pg_stat_user_functions order by self_time desc limit 25`,
  );
  await db.close();
  console.log('\n| function | calls | total | self |\n| --- | --- | --- | --- |');
  for (const f of functions) console.log(`| ${f.name} | ${f.calls} | ${ms(f.total)} | ${ms(f.self)} |`);
  console.log('\n| statement (pg_stat_statements) | calls | total | mean |\n| --- | --- | --- | --- |');
  for (const r of rows)
    console.log(
      `| ${r.query.replaceAll('|', '\\|')} | ${r.calls} | ${ms(r.total)} | ${r.mean.toFixed(2)} ms |`,
    );
}

/** Runs packages/local's main.ts against the cluster, as `DATABASE_URL=… pnpm start --workers <n>` would. */
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
      ...(WORKERS > 1 ? ['--workers', String(WORKERS)] : []),
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
    cpuMs: () => treeCpuMs(child.pid!),
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
