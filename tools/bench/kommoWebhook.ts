// `pnpm bench` (Kommo webhooks): how long a delivery takes to be answered — Kommo waits 2 s and disables a hook
// that keeps failing, so the target is well under a second. Deliveries go through the local stack (PGlite) to
// the demo organisation, each moving one of 200 synced leads, in batches of 1 and of 50 changes.
import { openDatabase, prepareDatabase } from '../../packages/local/src/database.ts';
import { DEMO_ORG_ID } from '../../packages/local/src/demoKeys.ts';
import { createLocalApp } from '../../packages/local/src/server.ts';
import { sha256Hex } from '../../supabase/functions/_shared/crypto.ts';
import { createRuntime } from '../../supabase/functions/_shared/runtime.ts';

const TOKEN = 'whk_bench-secret-0123456789abcdef';
const db = await openDatabase({ kind: 'memory' });
await prepareDatabase(db);
await db.query(
  `insert into kommo_connections (org_id, subdomain, status, webhook_token_hash, pipelines)
   values ($1, 'acme', 'connected', $2, '[{"id": 1, "name": "Sales", "isMain": true, "statuses": [{"id": 10, "name": "New", "sort": 1}]}]')`,
  [DEMO_ORG_ID, sha256Hex(TOKEN)],
);
await db.query(
  `insert into leads (org_id, name, crm_provider, crm_state, crm_external_id)
   select $1, 'Lead ' || n, 'kommo', 'synced', (100000 + n)::text from generate_series(1, 200) n`,
  [DEMO_ORG_ID],
);
const app = createLocalApp(createRuntime(db, {}));

let clock = 1_764_000_000;
function delivery(size: number): string {
  const form = new URLSearchParams();
  for (let i = 0; i < size; i++) {
    const at = `leads[status][${i}]`;
    form.set(`${at}[id]`, String(100001 + ((clock + i) % 200)));
    form.set(`${at}[status_id]`, String(clock % 2 ? 142 : 10));
    form.set(`${at}[pipeline_id]`, '1');
    form.set(`${at}[last_modified]`, String(clock));
    form.set(`${at}[custom_fields][0][values][0][value]`, 'Website chat');
  }
  form.set('account[subdomain]', 'acme');
  clock++;
  return form.toString();
}

async function measure(size: number, runs: number) {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const body = delivery(size);
    const started = performance.now();
    const response = await app.request(`/functions/v1/kommo/webhooks/${TOKEN}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body,
    });
    await response.arrayBuffer();
    times.push(performance.now() - started);
    if (response.status !== 200) throw new Error(`delivery answered ${response.status}`);
  }
  times.sort((a, b) => a - b);
  const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))]!.toFixed(1);
  console.log(
    `| ${size} change${size > 1 ? 's' : ''} (${runs} runs) | ${at(0.5)} ms | ${at(0.95)} ms | ${times.at(-1)!.toFixed(1)} ms |`,
  );
}

console.log('| Kommo delivery | p50 | p95 | max |');
console.log('| --- | --- | --- | --- |');
await measure(1, 200);
await measure(50, 50);
await db.close();
