// Whether a failure means the database cannot be reached right now (down, restarting, out of connections,
// closed), as opposed to a query that is wrong: the first is a 503 the client may retry, the second is not.

/** postgres.js (Node and Deno) connection error codes, and the socket errors it passes through. */
const CONNECTION_CODES = new Set([
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
  'CONNECT_TIMEOUT',
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/**
 * SQLSTATEs of a server that is going away or full: class 08 (connection exception), 57P01–57P03
 * (admin/crash shutdown, cannot connect now), 53300 (too many connections).
 */
const UNAVAILABLE_STATE = /^(08...|57P0[1-3]|53300)$/;

/**
 * A FATAL (or PANIC) from the server ends the session: the server refused or dropped the connection (a database
 * not accepting connections is 55000, FATAL, while connecting), never a query of ours that is wrong (ERROR).
 */
const SESSION_ENDING = new Set(['FATAL', 'PANIC']);

/** PGlite's own words for a closed instance. */
const PGLITE_CLOSED = /^PGlite is clos(ed|ing)/;

export function isDatabaseUnavailable(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, message, name, severity } = error as {
    code?: unknown;
    message?: unknown;
    name?: unknown;
    severity?: unknown;
  };
  if (typeof code === 'string' && (CONNECTION_CODES.has(code) || UNAVAILABLE_STATE.test(code))) return true;
  if (typeof severity === 'string' && SESSION_ENDING.has(severity)) return true;
  // Deno reports a refused socket as ConnectionRefused / ConnectionReset errors.
  if (name === 'ConnectionRefused' || name === 'ConnectionReset' || name === 'BrokenPipe') return true;
  return typeof message === 'string' && PGLITE_CLOSED.test(message);
}
