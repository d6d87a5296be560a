// One JSON line per failure for the server log: where, which request, the message, the stack and the cause.
// This is where the detail a client is not shown ends up.

export interface FailureLog {
  level?: 'error' | 'warn';
  where: string;
  requestId?: string | undefined;
  [field: string]: unknown;
}

function describe(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { error: String(error) };
  const { cause, code } = error as Error & { cause?: unknown; code?: unknown };
  return {
    error: `${error.name}: ${error.message}`,
    ...(error.stack ? { stack: error.stack } : {}),
    ...(cause === undefined
      ? {}
      : { cause: cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause) }),
    ...(typeof code === 'string' ? { code } : {}),
  };
}

export function logFailure(error: unknown, fields: FailureLog): void {
  const { level = 'error', ...rest } = fields;
  const line = JSON.stringify({ level, ...rest, ...describe(error) });
  if (level === 'warn') console.warn(line);
  else console.error(line);
}
