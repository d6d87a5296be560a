// One serving process of the local stack (servingProcesses.ts): its own pool on DATABASE_URL and its own runtime,
// the primary's settings; it stops cleanly on SIGINT/SIGTERM (open requests finish) and exits 0.
import { createRuntime } from '@closer/functions/_shared/runtime.ts';
import { listen } from '@closer/server/src/listen.ts';
import { stopServing } from '@closer/server/src/shutdown.ts';
import type { ServerType } from '@hono/node-server';
import { openDatabase } from './database.ts';
import type { SignInCodes } from './localSignIn.ts';
import { keepServingOnFailures } from './processGuards.ts';
import { createLocalApp } from './server.ts';
import {
  type CodeRedeemed,
  type RedeemCode,
  SERVING_SETTINGS,
  type ServingSettings,
} from './servingProcesses.ts';

keepServingOnFailures();

/**
 * One-time codes redeemed in the primary, which holds them: a code is spent once across every serving process. (A
 * copy in each process, told afterwards that another spent it, took the code twice when the second request came
 * before the news.) Without the primary (it is gone), no code signs in.
 */
class PrimaryCodes implements SignInCodes {
  #asks = 0;
  readonly #waiting = new Map<number, (email: string | null) => void>();

  constructor() {
    process.on('message', (message: Partial<CodeRedeemed>) => {
      if (typeof message?.ask !== 'number' || message.email === undefined) return;
      this.#waiting.get(message.ask)?.(message.email);
      this.#waiting.delete(message.ask);
    });
    process.on('disconnect', () => {
      for (const answer of this.#waiting.values()) answer(null);
      this.#waiting.clear();
    });
  }

  redeem(code: string): Promise<string | null> {
    const ask = ++this.#asks;
    return new Promise((resolve) => {
      this.#waiting.set(ask, resolve);
      const sent = process.connected && process.send?.({ redeemCode: code, ask } satisfies RedeemCode);
      if (!sent) {
        this.#waiting.delete(ask);
        resolve(null);
      }
    });
  }
}

const { [SERVING_SETTINGS]: raw, ...env } = process.env;
const settings = JSON.parse(raw ?? '{}') as ServingSettings;
const codes = new PrimaryCodes();

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
