// Process-level safety net for the production server and the local stack: a promise that rejects with nobody
// listening, or a throw from a timer, is logged and the server keeps serving every other tenant.
// Node's default for both is to exit the process.

export type LogLine = (line: string) => void;

function describe(where: string, failure: unknown): string {
  return JSON.stringify({
    level: 'error',
    where,
    error: String(failure),
    stack: failure instanceof Error ? failure.stack : undefined,
  });
}

/**
 * Installs `unhandledRejection` and `uncaughtException` handlers that log one JSON line each and keep the
 * process alive. Call once, at start-up. `log` defaults to `console.error`.
 */
export function keepServingOnFailures(log: LogLine = (line) => console.error(line)): void {
  process.on('unhandledRejection', (reason) => log(describe('unhandledRejection', reason)));
  process.on('uncaughtException', (error, origin) => log(describe(origin, error)));
}
