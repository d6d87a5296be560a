// `pnpm bench:webhooks` (signed outbound webhooks, docs/webhooks.md): what publishing costs the change that
// publishes (a chat turn publishes on every message), with no subscribed endpoint and with three; and how fast the
// worker signs and delivers to a receiver on 127.0.0.1. PGlite through the local stack's database.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { openDatabase, prepareDatabase } from '../../packages/local/src/database.ts';
import { DEMO_ORG_ID } from '../../packages/local/src/demoKeys.ts';
import { withTenant } from '../../supabase/functions/_shared/db/tenant.ts';
import { publishEvent } from '../../supabase/functions/_shared/events/publish.ts';
import {
  addSigningSecret,
  openSigningSecrets,
  sealedSigningSecrets,
} from '../../supabase/functions/_shared/webhooks/sealedSecrets.ts';
import { newSigningSecret, signedHeaders } from '../../supabase/functions/_shared/webhooks/signing.ts';
import { runWebhookJobs } from '../../supabase/functions/_shared/webhooks/worker.ts';

const key = { current: crypto.getRandomValues(new Uint8Array(32)), previous: [] };
const env = {
  ALLOW_PRIVATE_WEBHOOKS: 'true',
  CLOSER_ENCRYPTION_KEY: btoa(String.fromCharCode(...key.current)),
};
const db = await openDatabase({ kind: 'memory' });
await prepareDatabase(db);
const claims = { role: 'authenticated', kind: 'secret', org_id: DEMO_ORG_ID } as const;
const [conversation] = await db.query<{ id: string }>(
  `insert into conversations (org_id, agent_id, visitor_token_hash) select org_id, id, repeat('0', 64) from agents where org_id = $1 limit 1 returning id`,
  [DEMO_ORG_ID],
);
const message = (n: number) => ({
  id: crypto.randomUUID(),
  conversationId: conversation!.id,
  role: 'user' as const,
  content: `Do you install heat pumps in flat ${n}?`,
  status: 'complete' as const,
  finishReason: null,
  model: null,
  usage: null,
  createdAt: new Date().toISOString(),
});

const quantiles = (times: number[]) => {
  times.sort((a, b) => a - b);
  const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))]!.toFixed(2);
  return `${at(0.5)} ms | ${at(0.95)} ms`;
};

async function publishing(label: string, runs: number) {
  const times: number[] = [];
  for (let n = 0; n < runs; n++) {
    await withTenant(db, claims, async (tx) => {
      const started = performance.now();
      await publishEvent(tx, { orgId: DEMO_ORG_ID, type: 'message.created', data: message(n) });
      times.push(performance.now() - started);
    });
  }
  console.log(`| publish, ${label} (${runs} runs) | ${quantiles(times)} |`);
}

console.log('| step | p50 | p95 |');
console.log('| --- | --- | --- |');
await publishing('no endpoint subscribed', 500);
const receiver = createServer((request, response) => {
  request.resume();
  request.on('end', () => response.writeHead(204).end());
});
await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
for (let i = 0; i < 3; i++) {
  const [endpoint] = await db.query<{ id: string }>(
    `insert into webhook_endpoints (org_id, url, event_types) values ($1, $2, '{message.created}') returning id`,
    [DEMO_ORG_ID, url],
  );
  await addSigningSecret(db, key, DEMO_ORG_ID, endpoint!.id);
}
await publishing('3 endpoints subscribed', 200);

const secrets = [newSigningSecret(), newSigningSecret()];
const body = JSON.stringify({
  type: 'message.created',
  timestamp: new Date().toISOString(),
  data: message(0),
});
const signTimes: number[] = [];
for (let n = 0; n < 2000; n++) {
  const started = performance.now();
  signedHeaders(`msg_${n.toString(16).padStart(32, '0')}`, new Date(), body, secrets);
  signTimes.push(performance.now() - started);
}
console.log(`| sign one body with 2 secrets (2000 runs) | ${quantiles(signTimes)} |`);

// What sealing at rest adds to each delivery: opening the endpoint's secrets (AES-256-GCM, HKDF each time).
const [sealedEndpoint] = await db.query<{ id: string }>(
  'select endpoint_id as id from webhook_secrets limit 1',
);
const sealed = await sealedSigningSecrets(db, sealedEndpoint!.id);
const openTimes: number[] = [];
for (let n = 0; n < 2000; n++) {
  const started = performance.now();
  await openSigningSecrets(key, sealedEndpoint!.id, sealed);
  openTimes.push(performance.now() - started);
}
console.log(`| open one sealed secret (2000 runs) | ${quantiles(openTimes)} |`);

// 600 deliveries queued by the 200 publishes above: one worker sends them in turn.
const started = performance.now();
let delivered = 0;
for (;;) {
  const report = await runWebhookJobs({ db, env, fetch: globalThis.fetch }, { maxDeliveries: 100 });
  delivered += report.delivered;
  if (report.delivered + report.retrying + report.failed === 0) break;
}
const seconds = (performance.now() - started) / 1000;
console.log(
  `\nOne worker delivered ${delivered} events in ${seconds.toFixed(1)} s: ${(delivered / seconds).toFixed(0)} per second.`,
);
receiver.close();
await db.close();
