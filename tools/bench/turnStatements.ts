// `pnpm bench:statements`: where PostgreSQL's CPU goes in one chat turn. The local stack's app runs in this process
// over a throwaway PostgreSQL 15 cluster (pg_stat_statements loaded, PL/pgSQL functions tracked); the client sends
// the bench's turn (concurrentStreams.ts: a new conversation, 40 tokens × 5 ms from a stand-in model in a process of
// its own) one after another, so no statement waits for a lock or for the CPU and their times are the server's work.
// Printed: PostgreSQL's CPU a turn (all its processes, from /proc), then per turn each statement's and each PL/pgSQL
// function's time (a function's self time excludes the functions it calls). BENCH_TURNS (default 300) after 100 to
// warm up every pooled connection's plans; BENCH_PG_SETTINGS='name=value …' starts PostgreSQL with more settings.
import { fork } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { createAdaptorServer } from '@hono/node-server';
import { createLocalApp } from '../../packages/local/src/server.ts';
import { createRuntime } from '../../supabase/functions/_shared/runtime.ts';
import { startPostgresCluster } from '../../supabase/tests/helpers/postgresCluster.ts';
import { reply } from './ipc.ts';
import { postgresCpuMs } from './processCpu.ts';
import type { SequentialRequest } from './sequentialClient.ts';
import { unlimitedDatabase, unlimitedEnv } from './unlimitedTurns.ts';

const TURNS = Number(process.env.BENCH_TURNS ?? 300);
const WARM_UP = 100;
const tsx = ['--import', 'tsx', '--conditions=@closer/source'];
const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));

const model = fork(here('./standInModelProcess.ts'), [], {
  execArgv: tsx,
  env: { ...process.env, BENCH_TOKENS: '40', BENCH_GAP_MS: '5' },
});
const { url: modelUrl } = await reply<{ url: string }>(model);
const client = fork(here('./sequentialClient.ts'), [], { execArgv: tsx });
const cluster = await startPostgresCluster({
  settings: [
    'shared_preload_libraries=pg_stat_statements',
    'track_functions=pl',
    'pg_stat_statements.track_planning=on',
    ...(process.env.BENCH_PG_SETTINGS?.split(' ').filter(Boolean) ?? []),
  ],
});
const { db, secretKey } = await unlimitedDatabase(cluster.url);
const runtime = createRuntime(db, unlimitedEnv(modelUrl));
const server = createAdaptorServer({ fetch: createLocalApp(runtime).fetch });
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const functionsUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/functions/v1`;

const turns = (count: number) => {
  const request: SequentialRequest = { functionsUrl, secretKey, count, concurrency: 1 };
  client.send(request);
  return reply<{ completed: number }>(client);
};

try {
  await turns(WARM_UP);
  await db.query('create extension if not exists pg_stat_statements');
  await db.query('select pg_stat_statements_reset(), pg_stat_reset()');
  const before = await postgresCpuMs(cluster.port);
  const { completed } = await turns(TURNS);
  const cpu = (await postgresCpuMs(cluster.port)) - before;
  const perTurn = (ms: number) => (ms / TURNS).toFixed(3);
  console.log(`\n${completed} of ${TURNS} turns completed, one after another.`);
  console.log(`PostgreSQL CPU (all its processes): ${perTurn(cpu)} ms a turn\n`);
  const functions = await db.query<{ name: string; calls: number; total: number; self: number }>(
    `select funcname as name, calls::int, total_time::float8 as total, self_time::float8 as self
     from pg_stat_user_functions where calls > 0 order by self_time desc`,
  );
  console.log(
    '| PL/pgSQL function | calls a turn | total ms a turn | self ms a turn |\n| --- | --- | --- | --- |',
  );
  for (const f of functions)
    console.log(`| ${f.name} | ${(f.calls / TURNS).toFixed(1)} | ${perTurn(f.total)} | ${perTurn(f.self)} |`);
  const statements = await db.query<{ query: string; calls: number; total: number; plan: number }>(
    `select left(regexp_replace(query, '[[:space:]]+', ' ', 'g'), 100) as query, calls::int,
       total_exec_time::float8 + total_plan_time::float8 as total, total_plan_time::float8 as plan
     from pg_stat_statements where query not like '%pg_stat%' order by total desc`,
  );
  console.log('\n| statement | calls a turn | ms a turn | of it planning |\n| --- | --- | --- | --- |');
  for (const s of statements)
    console.log(
      `| ${s.query.replaceAll('|', '\\|')} | ${(s.calls / TURNS).toFixed(1)} | ${perTurn(s.total)} | ${perTurn(s.plan)} |`,
    );
} finally {
  server.close();
  client.disconnect();
  model.disconnect();
  await db.close();
  await cluster.stop();
}
process.exit(0);
