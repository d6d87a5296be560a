// Kommo's 7 requests a second hold across function instances: each instance spaces its own requests, and a
// count per second in Postgres stops them together from going over.
import type { Database } from '@closer/functions/_shared/db/types.ts';
import { kommoClient } from '@closer/functions/_shared/kommo/client.ts';
import { kommoConfigFromEnv } from '@closer/functions/_shared/kommo/config.ts';
import { localPacer, postgresPacer } from '@closer/functions/_shared/kommo/pacing.ts';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Api } from '../helpers/api.ts';
import { type FakeKommo, KOMMO_ENV } from '../helpers/fakeKommo.ts';
import { connectKommo, type KommoHarness, startKommoHarness } from '../helpers/kommoHarness.ts';
import type { TenantFixture } from '../helpers/tenants.ts';

let harness: KommoHarness;
let kommo: FakeKommo;
let db: Database;
let api: Api;
let a: TenantFixture;

beforeAll(async () => {
  harness = await startKommoHarness('postgres');
  ({ db, api } = harness);
});
beforeEach(async () => {
  ({ kommo, org: a } = await harness.freshOrg());
  await connectKommo(api, a.secretKey);
  kommo.readTimes = [];
});
afterAll(async () => harness?.close());

/** Two function instances: each its own in-process spacing, optionally sharing the Postgres count. */
async function burstFromTwoInstances(shared: boolean) {
  const config = kommoConfigFromEnv(KOMMO_ENV);
  const instance = () =>
    kommoClient({
      db,
      orgId: a.orgId,
      config,
      fetch: (input, init) => fetch(input, init),
      pacers: shared ? [localPacer(), postgresPacer(db, a.orgId)] : [localPacer()],
    });
  const [one, two] = [instance(), instance()];
  const answers = await Promise.all(
    Array.from({ length: 24 }, (_, i) =>
      (i % 2 ? one : two).request<{ id: number }>('GET', '/api/v4/account'),
    ),
  );
  expect(answers.every((answer) => answer?.id === 28805383)).toBe(true);
  const perSecond = new Map<number, number>();
  for (const at of kommo.readTimes)
    perSecond.set(Math.floor(at / 1000), (perSecond.get(Math.floor(at / 1000)) ?? 0) + 1);
  return Math.max(...perSecond.values());
}

describe('pacing requests to Kommo', () => {
  it('two instances spacing only themselves go over 7 a second', async () => {
    expect(await burstFromTwoInstances(false)).toBeGreaterThan(7);
  });

  it('with the shared count in Postgres, no second sees more than 7', async () => {
    expect(await burstFromTwoInstances(true)).toBeLessThanOrEqual(7);
    expect(kommo.readTimes).toHaveLength(24);
  });
});
