// A remote server that goes quiet: a real HTTP server on 127.0.0.1 that either sends its status, headers and the
// first bytes of a body and then nothing more (`body`), or accepts the request and never answers (`silence`), the
// connection kept open either way. It sees every client that hangs up, so a test can tell a caller that gave up in
// time (it hangs up) from one still waiting.

import { createServer } from 'node:http';
import type { Socket } from 'node:net';
import { hangUpCount } from './remoteStandIn.ts';

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
  const hangUps = hangUpCount();
  const server = createServer((req, res) => {
    requests.push({ method: req.method ?? '', path: req.url ?? '' });
    req.resume();
    res.on('close', hangUps.hangUp);
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
      return hangUps.hungUp;
    },
    waitForHangUps: hangUps.waitForHangUps,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
