// `pnpm serve`: Closer as one production server on your own PostgreSQL, without Supabase. Every function under
// /functions/v1, migrations applied at start (safe when several instances start at once), the outbox worker,
// one JSON log line per request, and a graceful shutdown that lets running requests and chat streams finish.
// No demo data and no local sign-in: members sign in with your Supabase Auth or any OIDC issuer (JWKS).
import { fileURLToPath } from 'node:url';
import { migrate, readMigrations } from '@closer/functions/_shared/db/migrate.ts';
import { createPostgresDatabase } from '@closer/functions/_shared/db/postgres.ts';
import { createRuntime } from '@closer/functions/_shared/runtime.ts';
import { createFunctionsHost, FUNCTIONS_PATH } from './host.ts';
import { listen } from './listen.ts';
import { keepServingOnFailures } from './processGuards.ts';
import { readServerSettings } from './settings.ts';
import { stopServing } from './shutdown.ts';
import { startWorkers } from './workers.ts';

const log = (fields: Record<string, unknown>) => console.log(JSON.stringify({ level: 'info', ...fields }));

// Users of your own issuer get their auth.users row on first sign-in (there is no Supabase Auth to make it).
const env: Record<string, string | undefined> = {
  CLOSER_ACCESS_LOG: 'json',
  CLOSER_PROVISION_USERS: 'true',
  ...process.env,
};

/** A server that cannot start says why and exits 1, so a supervisor (systemd, Kubernetes) sees the failure. */
function failedStart(error: unknown): never {
  console.error(JSON.stringify({ level: 'error', msg: 'start failed', error: String(error) }));
  process.exit(1);
}

const settings = (() => {
  try {
    return readServerSettings(env);
  } catch (error) {
    return failedStart(error);
  }
})();
const db = createPostgresDatabase(settings.databaseUrl, { max: settings.poolSize });
const migrationsDir = fileURLToPath(new URL('../../../supabase/migrations/', import.meta.url));
const applied = settings.migrate
  ? await migrate(db, await readMigrations(migrationsDir)).catch(failedStart)
  : await db.query('select 1').then(() => [], failedStart);
// From here on one request's failure must not take the other tenants down with the process.
keepServingOnFailures();
if (!settings.memberSignIn)
  log({ msg: 'no JWT issuer configured: members cannot sign in (secret and publishable keys work)' });

let draining = false;
const runtime = createRuntime(db, env);
const app = createFunctionsHost(runtime, { draining: () => draining });
const workers = (() => {
  try {
    return startWorkers(db, env, runtime, {
      outboxMs: settings.workerIntervalMs,
      sourcesMs: settings.sourcesIntervalMs,
    });
  } catch (error) {
    return failedStart(error);
  }
})();
let serving: Awaited<ReturnType<typeof listen>> | null = null;

async function shutdown(signal: string): Promise<void> {
  if (draining) return;
  draining = true;
  log({ msg: 'draining', signal, graceMs: settings.shutdownGraceMs });
  const server = serving?.server ?? null;
  const outcome = await stopServing({ server, workers, db, graceMs: settings.shutdownGraceMs });
  log({ msg: outcome, signal });
  process.exit(outcome === 'stopped' ? 0 : 1);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));

serving = await listen(app.fetch, settings.port, settings.host).catch(async (error: unknown) => {
  await stopServing({ server: null, workers, db, graceMs: 0 });
  return failedStart(error);
});
log({
  msg: 'listening',
  url: `http://${settings.host}:${serving.port}${FUNCTIONS_PATH}`,
  migrationsApplied: applied.length,
  retrieval: runtime.semantic ? `hybrid (${runtime.semantic.embedder.model})` : 'lexical only',
});
