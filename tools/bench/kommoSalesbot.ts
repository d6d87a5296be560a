// `pnpm bench` (Kommo Salesbot): how long a `widget_request` waits for its acknowledgement when 50 arrive at once —
// Kommo gives up after 2 s; the budget is p99 ≤ 300 ms. Requests go through the local stack (PGlite) to the demo
// organisation's English agent with real HS512 tokens; the replies (offline responder) and the continues (a
// stand-in Kommo answering 200) run in the background meanwhile, as they do in production.
import { loadavg } from 'node:os';
import { openDatabase, prepareDatabase } from '../../packages/local/src/database.ts';
import { DEMO_AGENT_IDS, DEMO_ORG_ID } from '../../packages/local/src/demoKeys.ts';
import { createLocalApp } from '../../packages/local/src/server.ts';
import { backgroundSettled } from '../../supabase/functions/_shared/background.ts';
import { kommoConfigFromEnv } from '../../supabase/functions/_shared/kommo/config.ts';
import { storeTokens } from '../../supabase/functions/_shared/kommo/tokens.ts';
import { createRuntime } from '../../supabase/functions/_shared/runtime.ts';

const ENV = {
  KOMMO_CLIENT_ID: 'bench-integration',
  KOMMO_CLIENT_SECRET: 'bench-integration-secret-0123456789abcdef0123456789abcdef',
  KOMMO_REDIRECT_URI: 'https://bench.example/functions/v1/kommo/oauth/callback',
  CLOSER_ENCRYPTION_KEY: btoa(String.fromCharCode(...new Uint8Array(32).map((_, i) => i + 3))),
};
const ACCOUNT_ID = 28805383;
const CONCURRENT = 50;
const ROUNDS = 10;

// The stand-in Kommo: every continue is accepted (the bench never leaves the machine).
let continues = 0;
const realFetch = globalThis.fetch;
globalThis.fetch = async (input, init) => {
  const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
  if (url.startsWith('https://acme.kommo.com/api/v4/salesbot/')) {
    continues++;
    return new Response('{}', { headers: { 'content-type': 'application/hal+json' } });
  }
  return realFetch(input, init);
};

const db = await openDatabase({ kind: 'memory' });
await prepareDatabase(db);
const [connection] = await db.query<{ id: string }>(
  `insert into kommo_connections (org_id, subdomain, account_id, status) values ($1, 'acme', $2, 'connected')
   returning id`,
  [DEMO_ORG_ID, ACCOUNT_ID],
);
await storeTokens(db, kommoConfigFromEnv(ENV), connection!.id, {
  accessToken: 'bench-access',
  refreshToken: 'bench-refresh',
  expiresAt: new Date(Date.now() + 86_400_000),
});
const app = createLocalApp(createRuntime(db, ENV));
const agent = DEMO_AGENT_IDS[0]!;
const hmac = await crypto.subtle.importKey(
  'raw',
  new TextEncoder().encode(ENV.KOMMO_CLIENT_SECRET),
  { name: 'HMAC', hash: 'SHA-512' },
  false,
  ['sign'],
);
const base64url = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64url');
const json64 = (value: unknown) => base64url(new TextEncoder().encode(JSON.stringify(value)));

/** A token as Kommo signs it: HS512 with the integration's secret (the server verifies it with jose). */
async function kommoToken(claims: Record<string, unknown>): Promise<string> {
  const signed = `${json64({ alg: 'HS512', typ: 'JWT' })}.${json64(claims)}`;
  const signature = await crypto.subtle.sign('HMAC', hmac, new TextEncoder().encode(signed));
  return `${signed}.${base64url(new Uint8Array(signature))}`;
}

let delivered = 0;
async function deliver(): Promise<number> {
  const n = ++delivered;
  const now = Math.floor(Date.now() / 1000);
  const token = await kommoToken({
    subdomain: 'acme',
    account_id: ACCOUNT_ID,
    entity_id: 9_000_000 + n,
    entity_type: 2,
    bot_type: 'salesbot',
    exp: now + 600,
  });
  const body = JSON.stringify({
    token,
    data: { message: 'How much does the Pro plan cost?', contact_name: `Customer ${n}`, origin: 'waba' },
    return_url: `https://acme.kommo.com/api/v4/salesbot/77/continue/${n}`,
  });
  const started = performance.now();
  const response = await app.request(`/functions/v1/kommo/salesbot?agent=${agent}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
  });
  await response.arrayBuffer();
  const elapsed = performance.now() - started;
  if (response.status !== 200) throw new Error(`widget_request answered ${response.status}`);
  return elapsed;
}

const times: number[] = [];
await Promise.all(Array.from({ length: CONCURRENT }, deliver)); // warm-up round, not counted
await backgroundSettled();
for (let round = 0; round < ROUNDS; round++) {
  const batch = await Promise.all(Array.from({ length: CONCURRENT }, deliver));
  if (process.env.BENCH_VERBOSE) console.log(`round ${round}: max ${Math.max(...batch).toFixed(1)} ms`);
  times.push(...batch);
  await backgroundSettled();
}
times.sort((a, b) => a - b);
const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))]!.toFixed(1);
const load = loadavg()
  .map((l) => l.toFixed(2))
  .join(' / ');
console.log('| Salesbot acknowledgement | p50 | p99 | max | load average (1/5/15 min) |');
console.log('| --- | --- | --- | --- | --- |');
console.log(
  `| ${CONCURRENT} at once × ${ROUNDS} rounds (${times.length}) | ${at(0.5)} ms | ${at(0.99)} ms | ${times.at(-1)!.toFixed(1)} ms | ${load} |`,
);
if (continues !== delivered) console.log(`(continues: ${continues} of ${delivered})`);
await db.close();
