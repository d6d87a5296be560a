// Issue 11, kind 1: every call Closer makes to a server outside the machine ends within its time, body included.
// A real server on 127.0.0.1 goes quiet in both ways a remote can: headers and a few bytes, then nothing (`body`),
// or no answer at all (`silence`), its connection kept open. Each client below is given a small timeout and must
// end in its own error path, and hang up. (Supabase Storage: sources/stalledStorage.test.ts; the model's stream,
// which has first-token and idle timeouts instead: chat/stalledModel.test.ts.)
import { createJwtVerifier } from '@closer/functions/_shared/auth/jwt.ts';
import { createStripeClient } from '@closer/functions/_shared/billing/stripe.ts';
import { calcomClient } from '@closer/functions/_shared/booking/calcom.ts';
import { BookingFailure } from '@closer/functions/_shared/booking/provider.ts';
import { ApiError } from '@closer/functions/_shared/http/errors.ts';
import { fetchPage, PageFailure } from '@closer/functions/_shared/knowledge/web/fetchPage.ts';
import { KommoApi } from '@closer/functions/_shared/kommo/api.ts';
import { kommoConfigFromEnv } from '@closer/functions/_shared/kommo/config.ts';
import { exchangeCode, type KommoTokenSource } from '@closer/functions/_shared/kommo/tokens.ts';
import { probeProvider } from '@closer/functions/_shared/llm/probe.ts';
import { EmbeddingError } from '@closer/functions/_shared/retrieval/embedders/embedder.ts';
import { createOpenAiCompatibleEmbedder } from '@closer/functions/_shared/retrieval/embedders/openaiCompatible.ts';
import { sendWebhook } from '@closer/functions/_shared/webhooks/destination.ts';
import { outboundFetches } from '@closer/server/src/crawlFetch.ts';
import { generateKeyPair, SignJWT } from 'jose';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { KOMMO_ENV } from './helpers/fakeKommo.ts';
import { fetchTo } from './helpers/remoteStandIn.ts';
import { type StallingServer, stallKinds, startStallingServer } from './helpers/stallingServer.ts';

let remote: StallingServer | undefined;
afterEach(async () => {
  vi.restoreAllMocks();
  await remote?.close();
  remote = undefined;
});

const loopback = async () => ['127.0.0.1'];

describe.each(stallKinds)('a remote that stalls (%s)', (stall) => {
  it("Supabase Auth keys (jose): 503 unavailable once the key set does not come in time (not the token's fault)", async () => {
    remote = await startStallingServer({ stall, firstBytes: '{"keys":[' });
    const { privateKey } = await generateKeyPair('ES256');
    const token = await new SignJWT({ role: 'authenticated' })
      .setProtectedHeader({ alg: 'ES256', kid: 'key-1' })
      .setSubject(crypto.randomUUID())
      .setAudience('authenticated')
      .setExpirationTime('5m')
      .sign(privateKey);
    const verify = createJwtVerifier({
      jwksUrl: new URL(`${remote.url}/auth/v1/.well-known/jwks.json`),
      audience: 'authenticated',
      jwksTimeoutMs: 200,
    });
    const error = await verify(token).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({
      code: 'unavailable',
      message: 'The sign-in keys could not be loaded to check this token; try again shortly',
    });
    await remote.waitForHangUps(1);
  });

  it('Stripe: a StripeConnectionError, each request ended at its timeout', async () => {
    remote = await startStallingServer({ stall, firstBytes: '{"id":"cus_' });
    const toRemote = fetchTo(remote);
    vi.spyOn(globalThis, 'fetch').mockImplementation(toRemote);
    const error = await createStripeClient('sk_test_51Closer0000000000000000000000', 200)
      .customers.retrieve('cus_stalled')
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ type: 'StripeConnectionError' });
    // Stripe retries a request that got no answer once; one whose body stopped coming is not sent again.
    const sent = stall === 'silence' ? 2 : 1;
    expect(remote.requests).toEqual(
      Array.from({ length: sent }, () => ({ method: 'GET', path: '/v1/customers/cus_stalled' })),
    );
    await remote.waitForHangUps(sent);
  });

  const kommoApi = (server: StallingServer) =>
    new KommoApi({
      config: kommoConfigFromEnv(KOMMO_ENV),
      tokens: {
        current: async () => ({ connectionId: 'c1', subdomain: 'acme', accessToken: 'access-1' }),
      } as unknown as KommoTokenSource,
      fetch: fetchTo(server),
      pacers: [],
      attempts: 1,
      timeoutMs: 200,
    });

  it('Kommo API: upstream_error naming the timeout, a write marked uncertain', async () => {
    remote = await startStallingServer({ stall, firstBytes: '[{"id":' });
    const read = await kommoApi(remote)
      .request('GET', '/api/v4/leads/pipelines')
      .catch((e: unknown) => e);
    expect(read).toMatchObject({
      code: 'upstream_error',
      message: 'Kommo did not answer GET /api/v4/leads/pipelines: no answer within 200 ms',
      uncertain: false,
    });
    const write = await kommoApi(remote)
      .request('POST', '/api/v4/leads/complex', [{ name: 'Ann' }])
      .catch((e: unknown) => e);
    expect(write).toMatchObject({
      code: 'upstream_error',
      message: 'Kommo did not answer POST /api/v4/leads/complex: no answer within 200 ms',
      uncertain: true,
    });
    await remote.waitForHangUps(2);
  });

  it('Kommo tokens: upstream_error naming the timeout', async () => {
    remote = await startStallingServer({ stall, firstBytes: '{"token_type":"Bearer",' });
    const config = { ...kommoConfigFromEnv(KOMMO_ENV), requestTimeoutMs: 200 };
    const error = await exchangeCode(config, 'acme', 'code-1', fetchTo(remote)).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'upstream_error',
      message: 'Kommo did not answer the authorization_code grant: no answer within 200 ms',
    });
    await remote.waitForHangUps(1);
  });

  it('Cal.com: an unavailable BookingFailure (the visitor is offered a call-back)', async () => {
    remote = await startStallingServer({ stall, firstBytes: '{"status":"success","data":{' });
    const booking = calcomClient({
      apiKey: 'cal_live_x',
      eventTypeId: 7,
      apiUrl: remote.url,
      timeoutMs: 200,
    });
    const error = await booking
      .slots({ from: '2026-12-02T00:00:00Z', to: '2026-12-03T00:00:00Z', timeZone: 'Europe/Madrid' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BookingFailure);
    expect(error).toMatchObject({ kind: 'unavailable' });
    await remote.waitForHangUps(1);
  });

  it('the model server probe (/health/ready): unreachable, the log naming the timeout', async () => {
    remote = await startStallingServer({ stall, firstBytes: '{"object":"list","data":[' });
    const probe = await probeProvider(
      { provider: 'openai-compatible', baseUrl: `${remote.url}/v1`, apiKey: 'sk-local' },
      { models: ['llama3.2'], timeoutMs: 200 },
    );
    expect(probe).toMatchObject({
      ok: false,
      problem: 'unreachable',
      logDetail: `${remote.url}/v1: no answer within 200 ms`,
    });
    await remote.waitForHangUps(1);
  });

  it('embeddings: a retryable EmbeddingError, "did not answer in time"', async () => {
    remote = await startStallingServer({ stall, firstBytes: '{"data":[{"embedding":[0.1,' });
    const embedder = createOpenAiCompatibleEmbedder({
      baseUrl: `${remote.url}/v1`,
      model: 'nomic-embed-text',
      minSimilarity: 0.3,
      timeoutMs: 200,
    });
    const error = await embedder.embed(['Panels from 4,000 EUR']).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EmbeddingError);
    expect(error).toMatchObject({
      retryable: true,
      message: 'The embeddings server (nomic-embed-text) did not answer in time',
    });
    await remote.waitForHangUps(1);
  });

  // The server (`pnpm serve`) sends deliveries and crawls through undici pinned to checked addresses; Supabase
  // through the runtime's fetch. Both end in time.
  const senders = [
    ['the global fetch', () => ({ crawl: fetch, webhooks: fetch })],
    [
      "the server's pinned fetch",
      () => outboundFetches({ ALLOW_PRIVATE_CRAWL: 'true', ALLOW_PRIVATE_WEBHOOKS: 'true' }, loopback),
    ],
  ] as const;

  it.each(senders)(
    'a webhook delivery through %s: a failed attempt, "No answer within"',
    async (_, fetches) => {
      remote = await startStallingServer({ stall, firstBytes: 'ok' });
      const result = await sendWebhook(`${remote.url}/hooks/closer`, {}, '{"type":"lead.created"}', {
        fetch: fetches().webhooks,
        resolve: loopback,
        allowPrivate: true,
        timeoutMs: 200,
      });
      expect(result).toMatchObject({ succeeded: false, error: 'No answer within 200 ms' });
      await remote.waitForHangUps(1);
    },
  );

  it.each(senders)(
    "the crawler's page fetch through %s: a PageFailure naming the time",
    async (_, fetches) => {
      remote = await startStallingServer({
        stall,
        headers: { 'content-type': 'text/html' },
        firstBytes: '<html><h1>Pri',
      });
      const error = await fetchPage(new URL(`${remote.url}/pricing`), {
        fetch: fetches().crawl,
        resolve: loopback,
        allowPrivate: true,
        timeoutMs: 200,
      }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PageFailure);
      expect(error).toMatchObject({ message: 'No complete answer within 200 ms' });
      await remote.waitForHangUps(1);
    },
  );
});
