// Every answer that carries a secret must not be kept by any cache (browser, proxy, CDN), and no answer may
// be sniffed into another content type: a new secret key, a visitor token (JSON and the stream's start
// event), a rotated publishable key, the Kommo webhook address and the OAuth link with its signed state.
import type { KommoConnection } from '@closer/contract';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectKommo, type KommoHarness, startKommoHarness } from './helpers/kommoHarness.ts';

let harness: KommoHarness;
beforeAll(async () => {
  harness = await startKommoHarness('pglite');
});
afterAll(async () => harness?.close());

const guarded = (headers: Headers) => ({
  cacheControl: headers.get('cache-control'),
  nosniff: headers.get('x-content-type-options'),
});

describe('responses that carry secrets', () => {
  it('are no-store and nosniff', async () => {
    const { org } = await harness.freshOrg();
    const owner = harness.api.as(org.secretKey);
    const visitorHeaders = {
      authorization: `Bearer ${org.publishableKey}`,
      origin: `https://${org.orgId}.invalid`,
      'content-type': 'application/json',
    };
    await harness.db.query('update agents set allowed_origins = $2 where id = $1', [
      org.agentId,
      [visitorHeaders.origin],
    ]);

    const key = await owner<{ secret: string }>('POST', '/organizations/api-keys', { name: 'CI' });
    expect(key.status).toBe(201);
    const chatJson = await harness.api.fetch('/chat', {
      method: 'POST',
      headers: visitorHeaders,
      body: JSON.stringify({ message: 'Hi' }),
    });
    expect(((await chatJson.clone().json()) as { visitorToken: string }).visitorToken).toMatch(/^vt_/);
    const rotated = await owner('POST', `/agents/${org.agentId}/rotate-key`);
    const [fresh] = await harness.db.query<{ publishable_key: string }>(
      'select publishable_key from agents where id = $1',
      [org.agentId],
    );
    const chatStream = await harness.api.fetch('/chat', {
      method: 'POST',
      headers: {
        ...visitorHeaders,
        authorization: `Bearer ${fresh!.publishable_key}`,
        accept: 'text/event-stream',
      },
      body: JSON.stringify({ message: 'Hi' }),
    });
    expect(await chatStream.text()).toContain('visitorToken');
    const oauth = await owner<{ url: string }>('POST', '/kommo/oauth/start', {});
    expect(oauth.body.url).toContain('state=');
    await connectKommo(harness.api, org.secretKey);
    const connection = await owner<KommoConnection>('GET', '/kommo');
    expect(connection.body.webhookUrl).toBeTruthy();

    for (const [what, headers] of [
      ['secret key', key.headers],
      ['rotated publishable key', rotated.headers],
      ['visitor token (JSON)', chatJson.headers],
      ['Kommo OAuth link', oauth.headers],
      ['Kommo webhook URL', connection.headers],
    ] as const) {
      expect(guarded(headers), what).toEqual({ cacheControl: 'no-store', nosniff: 'nosniff' });
    }
    expect(guarded(chatStream.headers)).toEqual({
      cacheControl: 'no-store, no-transform',
      nosniff: 'nosniff',
    });
  });
});
