// A visitor who leaves mid-reply: the upstream request is aborted, and the reply is kept as far as it got.
// Real sockets on both sides: the local stack on a port, and a stand-in upstream that records the abort.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Database } from '@closer/functions/_shared/db/types.ts';
import { createRuntime } from '@closer/functions/_shared/runtime.ts';
import { createLocalApp } from '@closer/local/src/server.ts';
import { type ServerType, serve } from '@hono/node-server';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { migratedDatabase } from '../helpers/databases.ts';
import { chunk } from '../helpers/fakeLlm.ts';
import { createTenant, type TenantFixture } from '../helpers/tenants.ts';

let db: Database;
let a: TenantFixture;
let upstream: Server;
let stack: ServerType;
let stackUrl = '';
let upstreamRequest: IncomingMessage | null = null;
let upstreamClosedEarly: () => void;
const upstreamAborted = new Promise<void>((resolve) => {
  upstreamClosedEarly = resolve;
});

const listen = (server: Server) =>
  new Promise<number>((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)),
  );

beforeAll(async () => {
  // Streams a word every 50 ms for a minute, unless the caller goes away first.
  upstream = createServer((request, response) => {
    upstreamRequest = request;
    response.writeHead(200, { 'content-type': 'text/event-stream' });
    let n = 0;
    const timer = setInterval(() => response.write(chunk({ content: `word${n++} ` })), 50);
    response.on('close', () => {
      clearInterval(timer);
      if (!response.writableEnded) upstreamClosedEarly();
    });
    setTimeout(() => {
      clearInterval(timer);
      response.end('data: [DONE]\n\n');
    }, 60_000).unref();
  });
  const upstreamPort = await listen(upstream);

  db = await migratedDatabase('pglite');
  a = await createTenant(db, 'Acme', { allowedOrigins: ['*'] });
  const app = createLocalApp(
    createRuntime(db, { LLM_BASE_URL: `http://127.0.0.1:${upstreamPort}/v1`, LLM_MODEL: 'llama3.2' }),
  );
  await new Promise<void>((resolve) => {
    stack = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => {
      stackUrl = `http://127.0.0.1:${info.port}/functions/v1`;
      resolve();
    });
  });
});
afterAll(async () => {
  stack?.close();
  upstream?.close();
  await db?.close();
});

it('aborts the upstream when the client disconnects and stores the partial reply as interrupted', async () => {
  const client = new AbortController();
  const response = await fetch(`${stackUrl}/chat`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${a.publishableKey}`,
      origin: 'https://anywhere.example',
      accept: 'text/event-stream',
      'content-type': 'application/json',
    },
    body: JSON.stringify({ message: 'Tell me everything' }),
    signal: client.signal,
  });
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let received = '';
  while ((received.match(/event: delta/g) ?? []).length < 3)
    received += decoder.decode((await reader.read()).value);
  const conversationId = /"conversationId":"([^"]+)"/.exec(received)?.[1];
  client.abort();

  await upstreamAborted;
  expect(upstreamRequest).not.toBeNull();

  // The reply row settles as interrupted with the words that were produced.
  const replyNow = async () =>
    (
      await db.query<{ content: string; status: string; finish_reason: string }>(
        `select content, status, finish_reason from messages where conversation_id = $1 and role = 'assistant'`,
        [conversationId],
      )
    )[0];
  await expect.poll(async () => (await replyNow())?.finish_reason).toBe('interrupted');
  const reply = await replyNow();
  expect(reply?.status).toBe('interrupted');
  expect(reply?.content).toMatch(/^word0 word1 word2 /);
  const [visitor] = await db.query(
    `select content from messages where conversation_id = $1 and role = 'user'`,
    [conversationId],
  );
  expect(visitor).toEqual({ content: 'Tell me everything' });
}, 20_000);
