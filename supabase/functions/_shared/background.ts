// Work that goes on after the response has been sent. On Supabase's edge runtime `EdgeRuntime.waitUntil` keeps the
// function alive until it settles; a long-lived process (the local stack, the Node or Deno server) keeps the
// promise. Failures are logged, never thrown: nobody is left to catch them.
import { logFailure } from './log.ts';

interface EdgeRuntimeLike {
  waitUntil(work: Promise<unknown>): void;
}

const pending = new Set<Promise<void>>();

/** Runs `work` past the response; `where` names it in the log line of a failure. */
export function runInBackground(work: () => Promise<unknown>, where: string): void {
  // Started on a later turn of the event loop: the response that scheduled it goes out first.
  const settled: Promise<void> = new Promise((resolve) => setTimeout(resolve, 0))
    .then(work)
    .then(
      () => {},
      (error: unknown) => logFailure(error, { where }),
    )
    .finally(() => pending.delete(settled));
  pending.add(settled);
  const edge = (globalThis as { EdgeRuntime?: EdgeRuntimeLike }).EdgeRuntime;
  edge?.waitUntil(settled);
}

/** Settles once every piece of background work started so far (and any it started) has settled. */
export async function backgroundSettled(): Promise<void> {
  while (pending.size) await Promise.all([...pending]);
}

/** A job repeated in this process; `stop()` clears its timer and resolves once a run in progress has ended. */
export interface RepeatedJob {
  stop(): Promise<void>;
}

/**
 * Runs `run` every `everyMs` milliseconds in this process (the local stack, the self-hosted server: what pg_cron
 * does on Supabase), one run at a time — a tick that finds the last run still going is skipped. With `now`, the
 * first run starts at once. A failed run is logged under `where`, never thrown: the next tick runs as usual.
 */
export function runEvery(
  everyMs: number,
  where: string,
  run: () => Promise<unknown>,
  options: { now?: boolean } = {},
): RepeatedJob {
  let running: Promise<void> | null = null;
  const tick = () => {
    if (running) return;
    running = run()
      .then(
        () => {},
        (error: unknown) => logFailure(error, { where }),
      )
      .finally(() => {
        running = null;
      });
  };
  if (options.now) tick();
  const timer = setInterval(tick, everyMs);
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
