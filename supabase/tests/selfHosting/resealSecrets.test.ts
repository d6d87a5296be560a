// Rotating CLOSER_ENCRYPTION_KEY on PostgreSQL 15 as an operator would: the new key in CLOSER_ENCRYPTION_KEY, the
// old one in CLOSER_ENCRYPTION_KEY_PREVIOUS, then `pnpm reseal-secrets`. Every stored secret (Kommo's tokens and
// webhook token, webhook signing secrets, the booking provider's key) then opens with the new key alone, with the
// same plaintext; a value no key opens stops the command with nothing changed.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Database } from '@closer/functions/_shared/db/types.ts';
import type { SealingKeys } from '@closer/functions/_shared/secrets/encryptionKey.ts';
import { decryptSecret, encryptSecret } from '@closer/functions/_shared/secrets/sealed.ts';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { migratedDatabase } from '../helpers/databases.ts';
import { TEST_ENCRYPTION_KEY, TEST_SEALING_KEYS } from '../helpers/encryptionKey.ts';
import { createTenant } from '../helpers/tenants.ts';

const repo = fileURLToPath(new URL('../../../', import.meta.url));
const NEW_KEY = new Uint8Array(32).map((_, i) => 255 - i);
const NEW_KEYS: SealingKeys = { current: NEW_KEY, previous: [] };
const base64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));

let db: Database & { url?: string };
let orgId: string;
let connectionId: string;
let bookingId: string;

beforeAll(async () => {
  db = await migratedDatabase('postgres');
  ({ orgId } = await createTenant(db, 'Acme')); // with a webhook signing secret sealed under the old key
  const [connection] = await db.query<{ id: string }>(
    'select id from public.kommo_connections where org_id = $1',
    [orgId],
  );
  connectionId = connection!.id;
  await db.query(
    `update public.kommo_connections set access_token_enc = $2, refresh_token_enc = $3, webhook_token_enc = null
     where id = $1`,
    [
      connectionId,
      await encryptSecret(TEST_SEALING_KEYS, 'kommo-access', connectionId),
      await encryptSecret(TEST_SEALING_KEYS, 'kommo-refresh', connectionId),
    ],
  );
  bookingId = crypto.randomUUID();
  await db.query(
    `insert into public.booking_connections (id, org_id, provider, api_key_enc, api_key_hint, event_type_id, api_url, booker_url)
     values ($1, $2, 'calcom', $3, 'abcd', 42, 'https://api.cal.com', 'https://cal.com')`,
    [bookingId, orgId, await encryptSecret(TEST_SEALING_KEYS, 'cal_live_key', `booking:${bookingId}`)],
  );
}, 120_000);
afterAll(async () => db?.close());

function resealSecrets(env: Record<string, string>) {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--conditions=@closer/source', `${repo}packages/server/src/resealSecrets.ts`],
    { cwd: repo, env: { PATH: process.env.PATH ?? '', DATABASE_URL: db.url!, ...env } },
  );
  let output = '';
  child.stdout?.on('data', (chunk) => (output += chunk));
  child.stderr?.on('data', (chunk) => (output += chunk));
  return new Promise<{ code: number | null; output: string }>((resolve) =>
    child.once('exit', (code) => resolve({ code, output })),
  );
}

const sealedValues = async () => {
  const [kommo] = await db.query<Record<string, string | null>>(
    'select access_token_enc, refresh_token_enc, webhook_token_enc from public.kommo_connections where id = $1',
    [connectionId],
  );
  const secrets = await db.query<{ id: string; endpoint_id: string; secret_enc: string }>(
    'select id, endpoint_id, secret_enc from public.webhook_secrets where org_id = $1',
    [orgId],
  );
  const [booking] = await db.query<{ api_key_enc: string }>(
    'select api_key_enc from public.booking_connections where id = $1',
    [bookingId],
  );
  return { kommo: kommo!, secrets, booking: booking!.api_key_enc };
};

it('stops with nothing changed when a value opens with none of the keys, naming where and not the value', async () => {
  const before = await sealedValues();
  const { code, output } = await resealSecrets({ CLOSER_ENCRYPTION_KEY: base64(NEW_KEY) });
  expect(code, output).toBe(1);
  expect(output).toContain('"nothing resealed"');
  expect(output).toContain(
    'opens with none of the keys: list the key that sealed it in CLOSER_ENCRYPTION_KEY_PREVIOUS',
  );
  expect(output).not.toMatch(/kommo-access|kommo-refresh|cal_live_key|whsec_/);
  expect(await sealedValues()).toEqual(before);
}, 60_000);

it('reseals every stored secret under the new key, the same plaintext, the old key no longer needed', async () => {
  const before = await sealedValues();
  expect(before.secrets.length).toBeGreaterThan(0);
  const signing = await Promise.all(
    before.secrets.map((s) =>
      decryptSecret(TEST_SEALING_KEYS, s.secret_enc, `webhook-secret:${s.endpoint_id}:${s.id}`),
    ),
  );

  const { code, output } = await resealSecrets({
    CLOSER_ENCRYPTION_KEY: base64(NEW_KEY),
    CLOSER_ENCRYPTION_KEY_PREVIOUS: TEST_ENCRYPTION_KEY,
  });
  expect(code, output).toBe(0);
  const done = JSON.parse(output.split('\n').find((line) => line.includes('resealed')) ?? '{}');
  expect(done.counts).toMatchObject({ 'public.kommo_connections': 2, 'public.booking_connections': 1 });
  expect(done.counts['public.webhook_secrets']).toBeGreaterThanOrEqual(before.secrets.length);

  const after = await sealedValues();
  expect(await decryptSecret(NEW_KEYS, after.kommo.access_token_enc!, connectionId)).toBe('kommo-access');
  expect(await decryptSecret(NEW_KEYS, after.kommo.refresh_token_enc!, connectionId)).toBe('kommo-refresh');
  expect(after.kommo.webhook_token_enc).toBeNull();
  expect(await decryptSecret(NEW_KEYS, after.booking, `booking:${bookingId}`)).toBe('cal_live_key');
  const resealed = await Promise.all(
    after.secrets.map((s) =>
      decryptSecret(NEW_KEYS, s.secret_enc, `webhook-secret:${s.endpoint_id}:${s.id}`),
    ),
  );
  expect(resealed).toEqual(signing);
  await expect(decryptSecret(TEST_SEALING_KEYS, after.booking, `booking:${bookingId}`)).rejects.toThrow();

  // Run again (an operator unsure whether it ran): still opens, still the same plaintext.
  const again = await resealSecrets({ CLOSER_ENCRYPTION_KEY: base64(NEW_KEY) });
  expect(again.code, again.output).toBe(0);
  expect(await decryptSecret(NEW_KEYS, (await sealedValues()).booking, `booking:${bookingId}`)).toBe(
    'cal_live_key',
  );
}, 60_000);
