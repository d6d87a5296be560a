// Issue 11, kind 1, under real Deno as Supabase runs the agents function: Supabase Storage that stalls (headers
// then nothing when signing an upload, no answer at all when storing a form upload) is given up on after
// CLOSER_STORAGE_TIMEOUT_MS, the caller gets 503 `unavailable`, and the same process keeps answering.
import type { Database } from '@closer/functions/_shared/db/types.ts';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { migratedDatabase } from '../helpers/databases.ts';
import { type DenoFunction, startDenoFunction } from '../helpers/denoFunction.ts';
import { type StallingServer, startStallingServer } from '../helpers/stallingServer.ts';
import { createTenant, type TenantFixture } from '../helpers/tenants.ts';

let db: Database;
let tenant: TenantFixture;
let storage: StallingServer;
let fn: DenoFunction;

beforeAll(async () => {
  storage = await startStallingServer({
    stall: (path) => (path.includes('/upload/sign/') ? 'body' : 'silence'),
  });
  db = await migratedDatabase('postgres');
  tenant = await createTenant(db, 'Acme');
  fn = await startDenoFunction('agents', {
    SUPABASE_DB_URL: (db as { url?: string }).url ?? '',
    SUPABASE_URL: storage.url,
    SUPABASE_SECRET_KEYS: JSON.stringify({ default: 'sb_secret_stalled-storage-0123456789' }),
    CLOSER_STORAGE_TIMEOUT_MS: '300',
  });
}, 120_000);
afterAll(async () => {
  await fn?.stop();
  await storage?.close();
  await db?.close();
});

const auth = () => ({ authorization: `Bearer ${tenant.secretKey}` });

const sourceCount = async () =>
  (await db.query('select 1 from knowledge_sources where org_id = $1', [tenant.orgId])).length;

it('answers 503 when Storage stalls, drops the connections, and keeps serving', async () => {
  const before = await sourceCount();
  const signed = await fetch(`${fn.url}/${tenant.agentId}/sources/uploads`, {
    method: 'POST',
    headers: { ...auth(), 'content-type': 'application/json' },
    body: JSON.stringify({ byteSize: 100 }),
  });
  expect(signed.status, fn.output()).toBe(503);
  expect(await signed.json()).toMatchObject({
    error: { code: 'unavailable', message: 'The upload storage did not answer just now; try again' },
  });

  const form = new FormData();
  form.set('file', new File(['# Prices\nPanels from 4,000 EUR.\n'], 'prices.md', { type: 'text/markdown' }));
  const uploaded = await fetch(`${fn.url}/${tenant.agentId}/sources`, {
    method: 'POST',
    headers: auth(),
    body: form,
  });
  expect(uploaded.status, fn.output()).toBe(503);
  expect(await uploaded.json()).toMatchObject({
    error: { code: 'unavailable', message: 'The file could not be stored just now; try again' },
  });
  expect(storage.requests.map((r) => r.method)).toEqual(['POST', 'POST']);
  await storage.waitForHangUps(2);
  expect(await sourceCount()).toBe(before);

  const agent = await fetch(`${fn.url}/${tenant.agentId}`, { headers: auth() });
  expect(agent.status).toBe(200);
}, 60_000);
