// A remote server that goes quiet: a real HTTP server on 127.0.0.1 that either sends its status, headers and the
// first bytes of a body and then nothing more (`body`), or accepts the request and never answers (`silence`), the
// connection kept open either way. It sees every client that hangs up, so a test can tell a caller that gave up in
// time (it hangs up) from one still waiting.

import { createServer } from 'node:http';
import type { Socket } from 'node:net';

/** `body`: headers and a few bytes, then nothing; `silence`: no answer at all. */
export type StallKind = 'body' | 'silence';
export const stallKinds: StallKind[] = ['body', 'silence'];

export interface StallingServerOptions {
  /** How every request stalls, or how the request for a path does. */
  stall: StallKind | ((path: string) => StallKind);
  status?: number;
  /** @default `content-type: application/json` */
  headers?: Record<string, string>;
  /** What `body` sends before going quiet. @default `{"url":"/obj` (the start of a JSON answer) */
  firstBytes?: string;
}

export interface StallingServer {
  /** `http://127.0.0.1:<port>` */
  url: string;
  requests: { method: string; path: string }[];
  /** Requests whose client hung up before an answer ended (every answer here is left unfinished). */
  readonly hungUp: number;
  /** Resolves once `count` clients hung up. */
  waitForHangUps(count?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startStallingServer(options: StallingServerOptions): Promise<StallingServer> {
  const requests: StallingServer['requests'] = [];
  const sockets = new Set<Socket>();
  const state = { hungUp: 0 };
  const waiters: { count: number; resolve: () => void }[] = [];
  const server = createServer((req, res) => {
    requests.push({ method: req.method ?? '', path: req.url ?? '' });
    req.resume();
    res.on('close', () => {
      state.hungUp++;
      for (const waiter of waiters.filter((w) => state.hungUp >= w.count)) waiter.resolve();
    });
    const stall = typeof options.stall === 'function' ? options.stall(req.url ?? '') : options.stall;
    if (stall === 'silence') return;
    res.writeHead(options.status ?? 200, options.headers ?? { 'content-type': 'application/json' });
    res.write(options.firstBytes ?? '{"url":"/obj');
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    get hungUp() {
      return state.hungUp;
    },
    waitForHangUps: (count = 1) =>
      state.hungUp >= count
        ? Promise.resolve()
        : new Promise<void>((resolve) => {
            waiters.push({ count, resolve });
          }),
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/**
 * A fetch that sends every request to `server` instead, path and query kept (for clients with fixed https hosts).
 * It holds the fetch of when it was made, so it can stand in for the global one.
 */
export function fetchToStalling(server: StallingServer): typeof fetch {
  const send = globalThis.fetch;
  return (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    return send(`${server.url}${url.pathname}${url.search}`, init);
  };
}
