// Issue 11, kind 1: a model server that answers an error (or its model list) with an endless body cannot grow the
// process without limit. Over a real socket: the error is read only as far as its first 64 KiB, the model list up
// to 16 MiB, then the connection is dropped; the visitor gets the usual upstream_error and nothing of the text.
import type { Database } from '@closer/functions/_shared/db/types.ts';
import { probeProvider } from '@closer/functions/_shared/llm/probe.ts';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { type Api, createApi } from '../helpers/api.ts';
import { migratedDatabase } from '../helpers/databases.ts';
import { type EndlessServer, startEndlessServer } from '../helpers/endlessServer.ts';
import { readSse } from '../helpers/sse.ts';
import { createTenant, type TenantFixture } from '../helpers/tenants.ts';

const ORIGIN = 'https://acme.example';
/** What a capped reader may have pulled through the socket: its cap plus the kernel's and runtime's buffers. */
const BUFFERS = 12 * 1024 * 1024;
let db: Database;
let a: TenantFixture;
let upstream: EndlessServer | undefined;

beforeAll(async () => {
  db = await migratedDatabase('pglite');
  a = await createTenant(db, 'Acme');
});
afterEach(async () => {
  vi.restoreAllMocks();
  await upstream?.close();
  upstream = undefined;
});
afterAll(() => db?.close());

const asVisitor = (api: Api, message: string, stream: boolean) =>
  api.fetch('/chat', {
    method: 'POST',
    headers: {
      authorization: `Bearer ${a.publishableKey}`,
      origin: ORIGIN,
      'content-type': 'application/json',
      ...(stream ? { accept: 'text/event-stream' } : {}),
    },
    body: JSON.stringify({ message }),
  });

describe('a model server answering an error with an endless body', () => {
  it('is an upstream_error for the visitor, streamed or not; the rest of the body is never read', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    vi.spyOn(console, 'error').mockImplementation(() => {});
    upstream = await startEndlessServer({
      status: 500,
      prefix:
        '{"error":{"message":"Overloaded: shard 7 at llm-internal.corp.test is out of memory, padding follows ',
    });
    const api = createApi(db, { LLM_BASE_URL: `${upstream.url}/v1`, LLM_MODEL: 'llama3.2' });

    const json = await asVisitor(api, 'How much are the panels?', false);
    expect(json.status).toBe(502);
    const envelope = (await json.json()) as { error: { code: string; message: string; requestId: string } };
    expect(envelope.error.code).toBe('upstream_error');
    expect(envelope.error.message).toContain(envelope.error.requestId);
    await upstream.waitForHangUps(1);

    const streamed = await asVisitor(api, 'And the warranty?', true);
    const { events } = await readSse(streamed);
    expect(events.at(-1)).toMatchObject({ event: 'error', data: { code: 'upstream_error' } });
    await upstream.waitForHangUps(2);

    for (const visible of [JSON.stringify(envelope), JSON.stringify(events)]) {
      expect(visible).not.toMatch(/Overloaded|llm-internal|127\.0\.0\.1|padding/);
    }
    // The visitor's questions are kept; no reply was stored as complete.
    const { conversationId } = events[0]!.data as { conversationId: string };
    const rows = await db.query<{ role: string; status: string }>(
      'select role, status from messages where conversation_id = $1 order by created_at',
      [conversationId],
    );
    expect(rows[0]).toMatchObject({ role: 'user' });
    expect(rows.filter((row) => row.role === 'assistant' && row.status === 'complete')).toEqual([]);
    // The start of the error is what the log holds; the server was cut off long before it stopped.
    expect(warn.mock.calls.map((call) => String(call[0])).join('\n')).toContain('Overloaded: shard 7');
    expect(upstream.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'POST /v1/chat/completions',
      'POST /v1/chat/completions',
    ]);
    expect(upstream.bytesSent).toBeLessThan(2 * (64 * 1024 + BUFFERS));
  });

  it("reaches the organisation's own caller as the start of the provider's words, redacted", async () => {
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    upstream = await startEndlessServer({
      status: 400,
      prefix: '{"error":{"message":"Model llama3.2 refused the key sk-local-secret, padding follows ',
    });
    const api = createApi(db, { LLM_BASE_URL: `${upstream.url}/v1`, LLM_MODEL: 'llama3.2' });
    const response = await api.as(a.secretKey)<{ error: { code: string; message: string } }>(
      'POST',
      '/chat',
      {
        message: 'Hi',
        agentId: a.agentId,
      },
    );
    expect(response.status).toBe(502);
    expect(response.body.error.code).toBe('upstream_error');
    expect(response.body.error.message).toContain('Model llama3.2 refused the key');
    expect(response.body.error.message).not.toContain('sk-local-secret');
    await upstream.waitForHangUps(1);
    expect(upstream.bytesSent).toBeLessThan(64 * 1024 + BUFFERS);
  });
});

describe('a model list (GET /models) that never ends', () => {
  it('is read to 16 MiB, then the server counts as reachable with its models unverified', async () => {
    upstream = await startEndlessServer({ prefix: '{"object":"list","data":[', filler: '{"id":"m"},' });
    const probe = await probeProvider(
      { provider: 'openai-compatible', baseUrl: `${upstream.url}/v1` },
      { models: ['llama3.2'], timeoutMs: 60_000 },
    );
    expect(probe).toMatchObject({ ok: true, detail: 'OpenAI-compatible server: reachable' });
    await upstream.waitForHangUps(1);
    expect(upstream.bytesSent).toBeLessThan(16 * 1024 * 1024 + BUFFERS);
  });
});
