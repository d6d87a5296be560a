// Listening on an address, or saying plainly why not. Node reports a taken port as an 'error' event on the
// server; with nobody listening for it (and the process guards keeping the process alive) a server would sit
// there never serving and never exiting — a supervisor, a test or a person at `pnpm start` would wait forever.
import { createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { logFailure } from '@closer/functions/_shared/log.ts';
import { getRequestListener, type ServerType } from '@hono/node-server';

type FetchHandler = Parameters<typeof getRequestListener>[0];

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
  const server = createServer(getRequestListener(fetch, { errorHandler: unservedRequest }));
  server.on('clientError', unparsedRequest);
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

/**
 * A request the adapter could not turn into a `Request` (a Host header that is no host name, an absolute target
 * that is no URL) never reaches the app: it is answered here as the app answers a client's mistake — a 400
 * envelope with a request id, logged with it — where the adapter answered an empty text/plain 400. Anything else
 * thrown before the app answered is a 500 envelope, logged with its stack.
 */
function unservedRequest(error: unknown): Response {
  const requestId = crypto.randomUUID();
  const unreadable = (error as Error | undefined)?.name === 'RequestError';
  logFailure(error, {
    level: unreadable ? 'warn' : 'error',
    where: unreadable ? 'unreadable request' : 'http server',
    requestId,
  });
  const body = {
    error: unreadable
      ? { code: 'bad_request', message: 'The request line or Host header is not valid', requestId }
      : { code: 'internal', message: 'Internal error', requestId },
  };
  return new Response(JSON.stringify(body), {
    status: unreadable ? 400 : 500,
    headers: {
      'content-type': 'application/json',
      'x-request-id': requestId,
      'x-content-type-options': 'nosniff',
      'cache-control': 'no-store',
    },
  });
}

/** Node's parser refusals: the status each gets (a header section past Node's limit is 431, a slow one 408). */
const PARSER_STATUS: Record<string, [number, string]> = {
  HPE_HEADER_OVERFLOW: [431, 'Request Header Fields Too Large'],
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'Request Timeout'],
};

/**
 * A request Node's HTTP parser refused (a header section over its limit, a request line that is no HTTP) gets
 * the envelope and a logged request id too, instead of Node's bare status line; the connection is closed, as Node
 * does (the parser cannot find the next request on it). A client gone before sending anything is not logged.
 */
function unparsedRequest(error: NodeJS.ErrnoException, socket: Socket): void {
  if (error.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const requestId = crypto.randomUUID();
  logFailure(error, { level: 'warn', where: 'unreadable request', requestId });
  const [status, reason] = PARSER_STATUS[error.code ?? ''] ?? [400, 'Bad Request'];
  const body = JSON.stringify({
    error: { code: 'bad_request', message: `The request could not be read (${reason})`, requestId },
  });
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n` +
      `x-request-id: ${requestId}\r\nx-content-type-options: nosniff\r\ncache-control: no-store\r\n` +
      `connection: close\r\n\r\n${body}`,
  );
}
