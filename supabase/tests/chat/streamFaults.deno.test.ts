// Issue 11, kind 1, under real Deno as Supabase runs the chat function (postgres.js, real PostgreSQL): a NUL
// in the model's text and an absurd usage count once ended the process; now the stream ends with `done`,
// the reply is stored, and the same process keeps answering.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Database } from '@closer/functions/_shared/db/types.ts';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { migratedDatabase } from '../helpers/databases.ts';
import { type DenoFunction, startDenoFunction } from '../helpers/denoFunction.ts';
import { recordedStream } from '../helpers/fakeLlm.ts';
import { readSse, text } from '../helpers/sse.ts';
import { createTenant, type TenantFixture } from '../helpers/tenants.ts';

let db: Database;
let tenant: TenantFixture;
let upstream: Server;
let fn: DenoFunction;
let parts: string[] = [];

beforeAll(async () => {
  upstream = createServer((request, response) => {
    request.resume();
    response.writeHead(200, { 'content-type': 'text/event-stream' });
    response.end(parts.join(''));
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  db = await migratedDatabase('postgres');
  tenant = await createTenant(db, 'Acme');
  await db.query('update agents set context_window = 50000');
  fn = await startDenoFunction('chat', {
    SUPABASE_DB_URL: (db as { url?: string }).url ?? '',
    LLM_BASE_URL: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/v1`,
    LLM_MODEL: 'test-model',
  });
}, 120_000);
afterAll(async () => {
  await fn?.stop();
  upstream?.close();
  await db?.close();
});

async function chat(message: string) {
  const response = await fetch(fn.url, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${tenant.publishableKey}`,
      origin: 'https://acme.example',
      accept: 'text/event-stream',
      'content-type': 'application/json',
    },
    body: JSON.stringify({ message }),
  });
  const { events } = await readSse(response);
  const { conversationId } = events[0]!.data as { conversationId: string };
  const [reply] = await db.query(
    `select content, status, input_tokens from messages where conversation_id = $1 and role = 'assistant'`,
    [conversationId],
  );
  return { events, reply };
}

async function stillServing() {
  const config = await fetch(`${fn.url}/config`, {
    headers: { authorization: `Bearer ${tenant.publishableKey}`, origin: 'https://acme.example' },
  });
  expect(config.status).toBe(200);
}

it('streams a reply holding a NUL without it, stores it, and the Deno process keeps serving', async () => {
  parts = recordedStream(['before\u0000after', ' end']);
  const { events, reply } = await chat('Say something odd');
  expect(events.at(-1)?.event, fn.output()).toBe('done');
  expect(text(events)).toBe('beforeafter end');
  expect(reply).toMatchObject({ content: 'beforeafter end', status: 'complete' });
  await stillServing();
}, 60_000);

it('stores an absurd usage count clamped, and the Deno process keeps serving', async () => {
  parts = recordedStream(['Counted.'], [99999999999, 3]);
  const { events, reply } = await chat('Count');
  expect(events.at(-1)?.event, fn.output()).toBe('done');
  // Clamped to the agent's context window: no prompt can be larger.
  expect(reply).toMatchObject({ status: 'complete', input_tokens: 50_000 });
  await stillServing();
}, 60_000);
