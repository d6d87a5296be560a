// Salesbot replies are model replies: with billing on they are counted in the usage ledger like the widget's and
// the OpenAI-compatible endpoint's, and over the allowance the plan's fallback applies (here `unavailable`: the
// bot is continued with the holding message and the talk flagged for a person, no model call).
import { backgroundSettled } from '@closer/functions/_shared/background.ts';
import type { Database } from '@closer/functions/_shared/db/types.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Api } from '../helpers/api.ts';
import { KOMMO_ENV } from '../helpers/fakeKommo.ts';
import { fakeUpstream, OPENROUTER_BASE_URL, recordedStream, streamResponse } from '../helpers/fakeLlm.ts';
import { STRIPE_ENV } from '../helpers/fakeStripe.ts';
import { connectKommo, type KommoHarness, startKommoHarness } from '../helpers/kommoHarness.ts';

const ENV = { ...KOMMO_ENV, ...STRIPE_ENV, OPENROUTER_API_KEY: 'sk-or-v1-test', OPENROUTER_BASE_URL };

describe('Salesbot with billing on', () => {
  let harness: KommoHarness;
  let db: Database;
  let api: Api;
  beforeAll(async () => {
    harness = await startKommoHarness('pglite', ENV);
    ({ db, api } = harness);
    await db.exec(
      `update billing.plans set kommo = true, max_messages = 1, over_allowance = 'unavailable' where id = 'free'`,
    );
  });
  afterAll(async () => harness?.close());

  it('counts each Salesbot reply and, over the allowance, continues with the holding message', async () => {
    const upstream = fakeUpstream(OPENROUTER_BASE_URL);
    upstream.respond(() => streamResponse(recordedStream(['Yes, ', 'we deliver.'])));
    const { kommo, org } = await harness.freshOrg({ handlers: upstream.handlers });
    await connectKommo(api, org.secretKey);
    // The tenant fixture seeds a row of every table: this organisation starts with no replies counted.
    await db.query('delete from public.billing_usage where org_id = $1', [org.orgId]);
    kommo.contacts.push({ id: 5550002, name: 'Ana', custom_fields_values: [] });
    kommo.leads.push({ id: 7770002, name: 'WhatsApp', body: {}, contactId: 5550002 });
    const deliver = async (message: string, n: number) => {
      const response = await api.fetch(`/kommo/salesbot?agent=${org.agentId}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          token: await kommo.salesbotToken(),
          data: { message, lead_id: '7770002', contact_id: '5550002', origin: 'waba' },
          return_url: `https://acme.kommo.com/api/v4/salesbot/321/continue/${n}`,
        }),
      });
      expect(response.status).toBe(200);
      await backgroundSettled();
    };
    await deliver('Do you deliver?', 1);
    await deliver('And on Sundays?', 2);
    const shown = (i: number) =>
      (kommo.continues[i]?.body.execute_handlers ?? [])
        .filter((h) => h.handler === 'show')
        .map((h) => h.params.value);
    expect(shown(0).join(' ')).toContain('we deliver.');
    expect(shown(1)).toEqual(['Thank you for your message! A colleague will answer you shortly.']);
    expect(upstream.requests).toHaveLength(1);
    const usage = await db.query<{ quantity: string }>(
      `select quantity::text from public.billing_usage where org_id = $1 and metric = 'messages'`,
      [org.orgId],
    );
    expect(usage).toEqual([{ quantity: '1' }]);
  });
});
