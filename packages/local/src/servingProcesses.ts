// The local stack on PostgreSQL served from several processes (`--workers <n>`): one Node process uses one core,
// and under load the relay's CPU (the model's stream parsed, the visitor's written, the database protocol) is what
// queues first. node:cluster shares the listening port between the serving processes; each has its own runtime
// and database pool, as separate edge function instances do. The primary keeps the background workers.
import cluster, { type Worker } from 'node:cluster';
import { fileURLToPath } from 'node:url';
import type { DemoKeys } from './demoKeys.ts';
import type { SignInCodes } from './localSignIn.ts';

/** What a serving process is told by the primary (cluster forks carry the environment only). */
export interface ServingSettings {
  port: number;
  host: string;
  demo: DemoKeys;
}

/** The environment variable that carries ServingSettings to a serving process. */
export const SERVING_SETTINGS = 'CLOSER_SERVING_PROCESS';

/**
 * A serving process asks the primary to redeem a one-time code (the primary holds them all, so a code is spent once
 * whichever process a request reaches, with no window where another process still takes it)…
 */
export interface RedeemCode {
  redeemCode: string;
  ask: number;
}

/** …and the primary answers the ask: the code's e-mail, or null when unknown, used or expired. */
export interface CodeRedeemed {
  ask: number;
  email: string | null;
}

export interface ServingProcesses {
  /** Asks every serving process to stop (open requests finish); resolves once all have exited. */
  stop(): Promise<void>;
}

/** Most serving processes a stack may ask for. */
export const MAX_SERVING_PROCESSES = 64;

/**
 * Forks `count` serving processes and resolves once all listen; rejects when one exits first (it says why on its
 * output, e.g. the port is taken). A process that dies unasked is replaced; the others serve meanwhile. One-time
 * sign-in codes are redeemed in `codes`, here in the primary.
 */
export async function startServingProcesses(
  env: Record<string, string | undefined>,
  settings: ServingSettings,
  count: number,
  codes: SignInCodes,
): Promise<ServingProcesses> {
  // Each process accepts its own connections: handing every one over from the primary (node's round-robin default
  // on Linux) cost ≈ 0.8 ms of CPU a chat stream in the bench (docs/benchmarks.md).
  cluster.schedulingPolicy = cluster.SCHED_NONE;
  cluster.setupPrimary({ exec: fileURLToPath(new URL('./servingProcess.ts', import.meta.url)) });
  const fork = () => cluster.fork({ ...env, [SERVING_SETTINGS]: JSON.stringify(settings) });
  let stopping = false;
  cluster.on('message', async (from: Worker, message: Partial<RedeemCode>) => {
    if (typeof message?.redeemCode !== 'string' || typeof message.ask !== 'number') return;
    const email = await codes.redeem(message.redeemCode);
    if (!from.isDead()) from.send({ ask: message.ask, email } satisfies CodeRedeemed);
  });
  const first = Array.from({ length: count }, fork);
  try {
    await Promise.all(first.map(listening));
  } catch (failure) {
    stopping = true;
    await stopAll();
    throw failure;
  }
  cluster.on('exit', (worker, code, signal) => {
    // Exit code 0 is a process that was asked to stop (Ctrl-C reaches every process of the group).
    if (stopping || code === 0) return;
    console.error(
      JSON.stringify({
        level: 'error',
        where: 'local stack',
        message: `serving process ${worker.process.pid} ended (${signal ?? `exit ${code}`}); starting another`,
      }),
    );
    fork();
  });
  return {
    async stop() {
      stopping = true;
      await stopAll();
    },
  };
}

function liveWorkers(): Worker[] {
  return Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined && !w.isDead());
}

function listening(worker: Worker): Promise<void> {
  return new Promise((resolve, reject) => {
    const exited = (code: number) => reject(new Error(`a serving process exited with ${code} as it started`));
    worker.once('exit', exited);
    worker.once('listening', () => {
      worker.off('exit', exited);
      resolve();
    });
  });
}

/** SIGTERM to every live serving process: each finishes its open requests, closes its pool and exits. */
async function stopAll(): Promise<void> {
  await Promise.all(
    liveWorkers().map(
      (worker) =>
        new Promise<void>((resolve) => {
          worker.once('exit', () => resolve());
          worker.process.kill('SIGTERM');
        }),
    ),
  );
}
