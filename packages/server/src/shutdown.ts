// A graceful stop for a serving process (the self-hosted server, the local stack): stop accepting, let running
// requests and chat streams finish, stop the workers after their current step, close the database, exit.
import type { RepeatedJob } from '@closer/functions/_shared/background.ts';
import type { Database } from '@closer/functions/_shared/db/types.ts';
import { logFailure } from '@closer/functions/_shared/log.ts';
import type { ServerType } from '@hono/node-server';

/** How long the workers' current steps and the database's close may take once requests are done (ms). */
const STEPS_MS = 15_000;

interface Serving {
  /** Null when the process is stopped before it listened. */
  server: ServerType | null;
  workers: RepeatedJob;
  db: Database;
  /** How long open requests (chat streams) may run on before their connections are closed, in ms. */
  graceMs: number;
}

/**
 * Stops `serving` in order. Resolves `'stopped'`; `'timed out'` when the workers' current steps and the
 * database's close took longer than 15 s after the requests ended; `'failed'` when one of them threw (logged).
 * On anything but `'stopped'` the caller exits non-zero: a supervisor sees it, and nothing waits forever.
 */
export async function stopServing({
  server,
  workers,
  db,
  graceMs,
}: Serving): Promise<'stopped' | 'timed out' | 'failed'> {
  if (server) await closeServer(server, graceMs);
  let deadline: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<'timed out'>((resolve) => {
    deadline = setTimeout(() => resolve('timed out'), STEPS_MS);
  });
  const steps = (async () => {
    await workers.stop();
    await db.close();
    return 'stopped' as const;
  })().catch((error: unknown) => {
    logFailure(error, { where: 'shutdown' });
    return 'failed' as const;
  });
  try {
    return await Promise.race([steps, late]);
  } finally {
    clearTimeout(deadline);
  }
}

/** Stops accepting, closes idle keep-alive connections, and closes the rest once `graceMs` has passed. */
async function closeServer(server: ServerType, graceMs: number): Promise<void> {
  const http = server as unknown as { closeIdleConnections(): void; closeAllConnections(): void };
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  http.closeIdleConnections();
  const grace = setTimeout(() => http.closeAllConnections(), graceMs);
  await closed;
  clearTimeout(grace);
}
