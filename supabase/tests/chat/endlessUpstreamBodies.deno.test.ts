// Issue 11, kind 1, under real Deno as Supabase runs the chat function: a model server answering an error with an
// endless body is cut off after the error's first 64 KiB (Deno's fetch, Web Streams), the visitor gets
// upstream_error, and the same process keeps answering.
import type { Database } from '@closer/functions/_shared/db/types.ts';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { migratedDatabase } from '../helpers/databases.ts';
import { type DenoFunction, startDenoFunction } from '../helpers/denoFunction.ts';
import { type EndlessServer, startEndlessServer } from '../helpers/endlessServer.ts';
import { readSse } from '../helpers/sse.ts';
import { createTenant, type TenantFixture } from '../helpers/tenants.ts';

let db: Database;
let tenant: TenantFixture;
let upstream: EndlessServer;
let fn: DenoFunction;

beforeAll(async () => {
  upstream = await startEndlessServer({ status: 503, prefix: '{"error":{"message":"Overloaded, padding ' });
  db = await migratedDatabase('postgres');
  tenant = await createTenant(db, 'Acme');
  fn = await startDenoFunction('chat', {
    SUPABASE_DB_URL: (db as { url?: string }).url ?? '',
    LLM_BASE_URL: `${upstream.url}/v1`,
    LLM_MODEL: 'test-model',
  });
}, 120_000);
afterAll(async () => {
  await fn?.stop();
  await upstream?.close();
  await db?.close();
});

it('answers an endless error body with the usual error, drops the connection, and keeps serving', async () => {
  const response = await fetch(fn.url, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${tenant.publishableKey}`,
      origin: 'https://acme.example',
      accept: 'text/event-stream',
      'content-type': 'application/json',
    },
    body: JSON.stringify({ message: 'Are you there?' }),
  });
  const { events } = await readSse(response);
  // 503 from the model server is `unavailable`; its words stay out.
  expect(events.at(-1), fn.output()).toMatchObject({ event: 'error', data: { code: 'unavailable' } });
  expect(JSON.stringify(events)).not.toMatch(/Overloaded|padding/);
  await upstream.waitForHangUps(1);
  expect(upstream.bytesSent).toBeLessThan(64 * 1024 + 12 * 1024 * 1024);
  const config = await fetch(`${fn.url}/config`, {
    headers: { authorization: `Bearer ${tenant.publishableKey}`, origin: 'https://acme.example' },
  });
  expect(config.status).toBe(200);
}, 60_000);
