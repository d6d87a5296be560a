// One serving process of the local stack (servingProcesses.ts): its own pool on DATABASE_URL and its own runtime,
// the primary's settings; it stops cleanly on SIGINT/SIGTERM (open requests finish) and exits 0.
import { createRuntime } from '@closer/functions/_shared/runtime.ts';
import { listen } from '@closer/server/src/listen.ts';
import { stopServing } from '@closer/server/src/shutdown.ts';
import type { ServerType } from '@hono/node-server';
import { openDatabase } from './database.ts';
import { OneTimeCodes } from './localSignIn.ts';
import { keepServingOnFailures } from './processGuards.ts';
import { createLocalApp } from './server.ts';
import { type CodeSpent, SERVING_SETTINGS, type ServingSettings } from './servingProcesses.ts';

keepServingOnFailures();

/** One-time codes shared with the other serving processes: one spent here is spent there (through the primary). */
class SharedCodes extends OneTimeCodes {
  override redeem(code: string): string | null {
    const email = super.redeem(code);
    if (email !== null) process.send?.({ spentCode: code } satisfies CodeSpent);
    return email;
  }

  forget(code: string): void {
    super.redeem(code);
  }
}

const { [SERVING_SETTINGS]: raw, ...env } = process.env;
const settings = JSON.parse(raw ?? '{}') as ServingSettings;
const codes = new SharedCodes();
codes.admit(settings.signIn.code, settings.signIn.email, settings.signIn.expiresAt);
process.on('message', (message: Partial<CodeSpent>) => {
  if (typeof message?.spentCode === 'string') codes.forget(message.spentCode);
});

const db = await openDatabase({ kind: 'postgres', url: env.DATABASE_URL ?? '' });
const app = createLocalApp(createRuntime(db, env), settings.demo, codes);
const noWorkers = { stop: async () => {} };
let server: ServerType | null = null;

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  const outcome = await stopServing({ server, workers: noWorkers, db, graceMs: 5_000 });
  process.exit(outcome === 'stopped' ? 0 : 1);
}
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());

try {
  ({ server } = await listen(app.fetch, settings.port, settings.host));
} catch (error) {
  console.error(`${error instanceof Error ? error.message : String(error)}.`);
  await stopServing({ server: null, workers: noWorkers, db, graceMs: 0 });
  process.exit(1);
}
