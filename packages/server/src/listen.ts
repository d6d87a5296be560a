// Listening on an address, or saying plainly why not. Node reports a taken port as an 'error' event on the
// server; with nobody listening for it (and the process guards keeping the process alive) a server would sit
// there never serving and never exiting — a supervisor, a test or a person at `pnpm start` would wait forever.
import type { AddressInfo } from 'node:net';
import { createAdaptorServer, type ServerType } from '@hono/node-server';

type FetchHandler = Parameters<typeof createAdaptorServer>[0]['fetch'];

/** What stops a server from listening, in words a person running it can act on (by `code` from Node). */
const REASONS: Record<string, string> = {
  EADDRINUSE: 'the address is already in use by another process',
  EACCES: 'permission denied (ports below 1024 need privileges)',
  EADDRNOTAVAIL: 'this machine has no such address',
};

/** Thrown by {@link listen}: `code` is Node's (`EADDRINUSE`, `EACCES`, …). */
export class ListenError extends Error {
  constructor(
    readonly address: string,
    readonly code: string,
  ) {
    super(`cannot listen on ${address}: ${REASONS[code] ?? code}`);
    this.name = 'ListenError';
  }
}

/**
 * Serves `fetch` over HTTP on `hostname:port` (port 0: any free port). Resolves once listening, with the server
 * and the port it got; rejects with a {@link ListenError} when the address cannot be had. Errors the server
 * raises later are logged as JSON lines, never thrown.
 */
export function listen(
  fetch: FetchHandler,
  port: number,
  hostname: string,
): Promise<{ server: ServerType; port: number }> {
  const server = createAdaptorServer({ fetch });
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(new ListenError(`${hostname}:${port}`, error.code ?? String(error))),
    );
    server.listen(port, hostname, () => {
      server.removeAllListeners('error');
      server.on('error', (error) =>
        console.error(JSON.stringify({ level: 'error', where: 'http server', error: String(error) })),
      );
      resolve({ server, port: (server.address() as AddressInfo).port });
    });
  });
}
