// `pnpm serve`: Closer as one production server on your own PostgreSQL, without Supabase. Every function under
// /functions/v1, migrations applied at start (safe when several instances start at once), the outbox worker,
// one JSON log line per request, and a graceful shutdown that lets running requests and chat streams finish.
// No demo data and no local sign-in: members sign in with your Supabase Auth or any OIDC issuer (JWKS).
import { fileURLToPath } from 'node:url';
import { migrate, readMigrations } from '@closer/functions/_shared/db/migrate.ts';
import { createPostgresDatabase } from '@closer/functions/_shared/db/postgres.ts';
import { startHandoffWorker } from '@closer/functions/_shared/handoff/pickup.ts';
import { embeddingLeaseMs, startEmbeddingWorker } from '@closer/functions/_shared/knowledge/embeddingJobs.ts';
import { startSourceWorker } from '@closer/functions/_shared/knowledge/sources/worker.ts';
import { privateCrawlAllowed } from '@closer/functions/_shared/knowledge/web/addresses.ts';
import { startKommoWorker } from '@closer/functions/_shared/kommo/leadSync.ts';
import { startRetentionWorker } from '@closer/functions/_shared/privacy/retention.ts';
import { createRuntime } from '@closer/functions/_shared/runtime.ts';
import { startWebhookWorker } from '@closer/functions/_shared/webhooks/worker.ts';
import { serve } from '@hono/node-server';
import { crawlFetch } from './crawlFetch.ts';
import { createFunctionsHost, FUNCTIONS_PATH } from './host.ts';
import { keepServingOnFailures } from './processGuards.ts';
import { readServerSettings } from './settings.ts';

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
const server = serve({ fetch: app.fetch, port: settings.port, hostname: settings.host }, (info) =>
  log({
    msg: 'listening',
    url: `http://${settings.host}:${info.port}${FUNCTIONS_PATH}`,
    migrationsApplied: applied.length,
    retrieval: runtime.semantic ? `hybrid (${runtime.semantic.embedder.model})` : 'lexical only',
  }),
);
const worker =
  settings.workerIntervalMs > 0 ? startKommoWorker({ db, env, fetch }, settings.workerIntervalMs) : null;
// Knowledge embeddings, when an embedder is configured (EMBEDDING_*; docs/knowledge.md).
const embeddings =
  settings.workerIntervalMs > 0 && runtime.semantic
    ? startEmbeddingWorker(
        { db, search: runtime.semantic, leaseMs: embeddingLeaseMs(env) },
        Math.min(settings.workerIntervalMs, 5000),
      )
    : null;
// Knowledge sources: uploads need CLOSER_UPLOADS_DIR (or Supabase Storage); web sources need nothing more.
const sourceWorker =
  settings.sourcesIntervalMs > 0
    ? startSourceWorker(
        { db, env, fetch: crawlFetch({ allowPrivate: privateCrawlAllowed(env) }), uploads: runtime.uploads },
        settings.sourcesIntervalMs,
      )
    : null;
const retention = settings.workerIntervalMs > 0 ? startRetentionWorker(db) : null;
// Signed outbound webhooks (docs/webhooks.md).
const webhooks =
  settings.workerIntervalMs > 0
    ? startWebhookWorker({ db, env, fetch }, Math.min(settings.workerIntervalMs, 2_000))
    : null;
// Requests for a person nobody picked up in time (docs/handoff.md#nobody-picks-up).
const handoffs =
  settings.workerIntervalMs > 0
    ? startHandoffWorker({ db }, Math.min(settings.workerIntervalMs, 5_000))
    : null;

async function shutdown(signal: string): Promise<void> {
  if (draining) return;
  draining = true;
  log({ msg: 'draining', signal, graceMs: settings.shutdownGraceMs });
  const http = server as unknown as { closeIdleConnections(): void; closeAllConnections(): void };
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  http.closeIdleConnections();
  const grace = setTimeout(() => http.closeAllConnections(), settings.shutdownGraceMs);
  await closed;
  clearTimeout(grace);
  await worker?.stop();
  await embeddings?.stop();
  await sourceWorker?.stop();
  await retention?.stop();
  await webhooks?.stop();
  await handoffs?.stop();
  await db.close();
  log({ msg: 'stopped', signal });
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
