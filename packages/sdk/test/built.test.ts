// The built package (dist/) in Node, as ESM and CommonJS, in Deno and in Bun: what users install.
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';

const run = promisify(execFile);
const here = new URL('./runtimes/', import.meta.url).pathname;
const deno = new URL('../../../node_modules/deno/deno', import.meta.url).pathname;
const bun = new URL('../../../node_modules/bun/bin/bun.exe', import.meta.url).pathname;
let server: Server;
let url = '';

beforeAll(async () => {
  // Answers like the functions do: health, a 404 envelope, and a chat stream.
  server = createServer((request, response) => {
    request.resume();
    if (request.url === '/functions/v1/health') {
      response
        .writeHead(200, { 'content-type': 'application/json' })
        .end('{"status":"ok","version":"0.1.0"}');
    } else if (request.url === '/functions/v1/chat') {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.end(
        'event: start\ndata: {"conversationId":"c1","messageId":"m1"}\n\n' +
          'event: delta\ndata: {"text":"Hello from "}\n\nevent: delta\ndata: {"text":"the stack"}\n\n' +
          'event: done\ndata: {"messageId":"m1","finishReason":"stop","usage":{"inputTokens":1,"outputTokens":2}}\n\n',
      );
    } else {
      response
        .writeHead(404, { 'content-type': 'application/json', 'x-request-id': 'r1' })
        .end('{"error":{"code":"not_found","message":"Agent not found","requestId":"r1"}}');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/functions/v1`;
});
afterAll(() => server?.close());

const expected = { health: { status: 'ok', version: '0.1.0' }, notFound: true, text: 'Hello from the stack' };

it('works in Node as ESM', async () => {
  const { stdout } = await run(process.execPath, [`${here}smoke.mjs`, url]);
  expect(JSON.parse(stdout)).toEqual(expected);
});

it('works in Node as CommonJS', async () => {
  const { stdout } = await run(process.execPath, [`${here}smoke.cjs`, url]);
  expect(JSON.parse(stdout)).toEqual(expected);
});

it('works in Deno', async () => {
  const { stdout } = await run(
    deno,
    ['run', '--allow-net', '--allow-read', '--allow-env', `${here}smoke.mjs`, url],
    {
      env: { ...process.env, NO_COLOR: '1' },
    },
  );
  expect(JSON.parse(stdout)).toEqual(expected);
}, 60_000);

it('works in Bun', async () => {
  const { stdout } = await run(bun, [`${here}smoke.mjs`, url], { env: { ...process.env, NO_COLOR: '1' } });
  expect(JSON.parse(stdout)).toEqual(expected);
}, 60_000);
