// `pnpm start`: the local stack. Flags: --memory (throwaway database), --port <n> (default 54321), --host <h>,
// --data-dir <dir> (where PGlite and the demo key live; default .closer/), --workers <n> (serving processes, on
// PostgreSQL only; default CLOSER_WORKERS or 1).
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { parseArgs } from 'node:util';
import { describeEmbedder } from '@closer/functions/_shared/retrieval/embedders/config.ts';
import { createRuntime } from '@closer/functions/_shared/runtime.ts';
import { listen } from '@closer/server/src/listen.ts';
import { stopServing } from '@closer/server/src/shutdown.ts';
import { startWorkers } from '@closer/server/src/workers.ts';
import type { ServerType } from '@hono/node-server';
import { CONSOLE_PATH } from './consoleSite.ts';
import { type DatabaseTarget, openDatabase, prepareDatabase } from './database.ts';
import { DEMO_ORG_ID, ensureDemoKeys } from './demoKeys.ts';
import { localEncryptionKey, localJwtSecret } from './localSecret.ts';
import { DEMO_OWNER, ensureDemoOwner, LOCAL_SIGN_IN_PATH, OneTimeCodes } from './localSignIn.ts';
import { defaultStateDir } from './paths.ts';
import { keepServingOnFailures } from './processGuards.ts';
import { createLocalApp, FUNCTIONS_PATH } from './server.ts';
import { MAX_SERVING_PROCESSES, type ServingProcesses, startServingProcesses } from './servingProcesses.ts';

// A failure in one request's background work must never take the other tenants down with the process.
keepServingOnFailures();

const { values } = parseArgs({
  args: process.argv.slice(2).filter((arg) => arg !== '--'),
  options: {
    memory: { type: 'boolean', default: false },
    port: { type: 'string', default: '54321' },
    host: { type: 'string', default: '127.0.0.1' },
    'data-dir': { type: 'string' },
    workers: { type: 'string', default: process.env.CLOSER_WORKERS ?? '1' },
  },
});

const env = { ...process.env };
const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535)
  throw new Error(`--port must be a port number, not ${values.port}`);

const target: DatabaseTarget = env.DATABASE_URL
  ? { kind: 'postgres', url: env.DATABASE_URL }
  : values.memory
    ? { kind: 'memory' }
    : { kind: 'pglite', dataDir: `${values['data-dir'] ?? defaultStateDir}/pgdata` };
const stateDir = target.kind === 'pglite' ? (values['data-dir'] ?? defaultStateDir) : null;
const servingCount = Number(values.workers);
if (!Number.isInteger(servingCount) || servingCount < 1 || servingCount > MAX_SERVING_PROCESSES) {
  console.error(
    `--workers must be a whole number from 1 to ${MAX_SERVING_PROCESSES}, not ${values.workers}.`,
  );
  process.exit(1);
}
if (servingCount > 1 && target.kind !== 'postgres') {
  console.error('--workers needs DATABASE_URL: a PGlite database belongs to one process.');
  process.exit(1);
}

const started = performance.now();
const db = await openDatabase(target);
const { applied, seeded } = await prepareDatabase(db);
const demo = await ensureDemoKeys(db, env, stateDir);
await ensureDemoOwner(db, DEMO_ORG_ID);
// Member tokens of the local sign-in are signed with this secret, and verified with it by the functions.
env.CLOSER_JWT_SECRET ??= await localJwtSecret(stateDir);
// Seals webhook signing secrets (and Kommo's tokens) at rest: kept in the data directory unless the database is
// thrown away too (--memory), since a lost key leaves every sealed secret unreadable.
env.CLOSER_ENCRYPTION_KEY ??= await localEncryptionKey(
  target.kind === 'memory' ? null : (values['data-dir'] ?? defaultStateDir),
);
const baseUrl = `http://${values.host === '0.0.0.0' ? 'localhost' : values.host}:${port}`;
env.SUPABASE_URL ??= baseUrl;
// Links to a conversation (the Kommo task of a handoff) open this stack's console.
env.CLOSER_CONSOLE_URL ??= `${baseUrl}${CONSOLE_PATH}`;
// The offline responder writes at a model's pace, so the demo page's widget visibly streams.
env.CLOSER_OFFLINE_WORD_MS ??= '25';
// Uploaded files for knowledge sources: beside the database, or a throwaway directory with --memory.
env.CLOSER_UPLOADS_DIR ??= stateDir ? `${stateDir}/uploads` : await mkdtemp(`${tmpdir()}/closer-uploads-`);
const runtime = createRuntime(db, env);
const codes = new OneTimeCodes();
const app = createLocalApp(runtime, demo, codes);

// Background work: on Supabase pg_cron runs it; here intervals do (Kommo's outbox does nothing unconfigured).
const workers = await (async () => {
  try {
    return startWorkers(db, env, runtime, {
      outboxMs: Number(env.CLOSER_WORKER_INTERVAL_MS) || 15_000,
      sourcesMs: Number(env.CLOSER_SOURCES_INTERVAL_MS) || 2_000,
    });
  } catch (error) {
    // A setting the workers refuse (it names itself): nothing has started yet but the database.
    console.error(`${error instanceof Error ? error.message : String(error)}.`);
    await db.close();
    process.exit(1);
  }
})();
let server: ServerType | null = null;
let serving: ServingProcesses | null = null;
// The console link's one-time code; several serving processes all accept it, redeemed here (servingProcesses.ts).
const signInCode = codes.issue(DEMO_OWNER.email);

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  console.log(`\n${signal}: finishing open requests, then closing the database…`);
  await serving?.stop();
  const outcome = await stopServing({ server, workers, db, graceMs: 5_000 });
  console.log(outcome === 'stopped' ? 'Stopped cleanly.' : `Stopped: ${outcome}.`);
  process.exit(outcome === 'stopped' ? 0 : 1);
}
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));

try {
  if (servingCount > 1)
    serving = await startServingProcesses(env, { port, host: values.host, demo }, servingCount, codes);
  else ({ server } = await listen(app.fetch, port, values.host));
} catch (error) {
  console.error(`${error instanceof Error ? error.message : String(error)}.`);
  console.error(
    `Stop what is using it (another \`pnpm start\`, \`supabase start\`?) or choose a port: pnpm start --port <n>`,
  );
  await stopServing({ server: null, workers, db, graceMs: 0 });
  process.exit(1);
}
printReady();

function printReady() {
  const where =
    target.kind === 'postgres'
      ? 'PostgreSQL (DATABASE_URL)'
      : target.kind === 'memory'
        ? 'PGlite in memory'
        : `PGlite in ${target.dataDir}`;
  const lines = [
    `Closer local stack ready in ${Math.round(performance.now() - started)} ms`,
    `  database   ${where}; ${applied.length} migration(s) applied${seeded ? ', demo data seeded' : ''}`,
    `  functions  ${baseUrl}${FUNCTIONS_PATH}/<name>   (try ${baseUrl}${FUNCTIONS_PATH}/health/ready)`,
    `  retrieval  ${runtime.semantic ? `hybrid: ${describeEmbedder(runtime.semantic.embedder)}` : 'lexical only (set EMBEDDING_* for semantic search)'}`,
    `  demo page  ${baseUrl}/`,
    `  console    ${baseUrl}${CONSOLE_PATH}/?local=${signInCode}   (signs in the demo owner once, within 15 minutes)`,
  ];
  if (servingCount > 1)
    lines.push(`  processes  ${servingCount} serving (node:cluster), each with its own database pool`);
  if (demo.secretKey) lines.push(`  secret key ${demo.secretKey}   (server-side only; never in a page)`);
  lines.push(
    `  sign in    curl -X POST ${baseUrl}${LOCAL_SIGN_IN_PATH} -d '{"email":"${DEMO_OWNER.email}"}'   (the demo owner; any e-mail works)`,
  );
  for (const agent of demo.agents)
    lines.push(`  agent      ${agent.name} [${agent.language}]  ${agent.publishableKey}`);
  console.log(lines.join('\n'));
}
