// A remote server that never stops answering: a real HTTP server on 127.0.0.1 that answers every request with a
// status and headers, then body bytes for as long as the client reads (or `totalBytes` of them). It counts what it
// sent and sees the client hang up, so a test can tell a capped reader (it hangs up early) from one that reads
// without limit (it would read for ever).
import { createServer, type ServerResponse } from 'node:http';
import { hangUpCount } from './remoteStandIn.ts';

export interface EndlessServerOptions {
  status?: number;
  headers?: Record<string, string>;
  /** The body's first bytes (an error object's start, say); then `filler` for ever. */
  prefix?: string;
  /** Repeated after the prefix. @default 64 KiB of "a" */
  filler?: string;
  /** Stop (and end the answer) after this many bytes; endless when absent. */
  totalBytes?: number;
}

export interface EndlessServer {
  /** `http://127.0.0.1:<port>` */
  url: string;
  requests: { method: string; path: string }[];
  /** Body bytes written to every answer so far. */
  readonly bytesSent: number;
  /** Answers whose client hung up before the body ended. */
  readonly hungUp: number;
  /** Resolves once `count` answers were cut off by their client. */
  waitForHangUps(count?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startEndlessServer(options: EndlessServerOptions = {}): Promise<EndlessServer> {
  const prefix = Buffer.from(options.prefix ?? '');
  const filler = Buffer.from(options.filler ?? 'a'.repeat(64 * 1024));
  const state = { bytesSent: 0 };
  const requests: EndlessServer['requests'] = [];
  const hangUps = hangUpCount();

  const write = (res: ServerResponse, chunk: Buffer, left: number) => {
    const part = chunk.subarray(0, Math.max(0, Math.min(chunk.byteLength, left)));
    state.bytesSent += part.byteLength;
    return { more: res.write(part), written: part.byteLength };
  };

  const server = createServer((req, res) => {
    requests.push({ method: req.method ?? '', path: req.url ?? '' });
    req.resume();
    let left = options.totalBytes ?? Number.POSITIVE_INFINITY;
    let ended = false;
    res.on('close', () => {
      if (!ended) hangUps.hangUp();
    });
    res.writeHead(options.status ?? 200, options.headers ?? { 'content-type': 'application/json' });
    left -= write(res, prefix, left).written;
    const pump = () => {
      while (!res.destroyed) {
        if (left <= 0) {
          ended = true;
          res.end();
          return;
        }
        const { more, written } = write(res, filler, left);
        left -= written;
        if (!more) {
          res.once('drain', pump);
          return;
        }
      }
    };
    pump();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    get bytesSent() {
      return state.bytesSent;
    },
    get hungUp() {
      return hangUps.hungUp;
    },
    waitForHangUps: hangUps.waitForHangUps,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
