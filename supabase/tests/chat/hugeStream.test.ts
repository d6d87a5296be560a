// Issue 11, kind 1: a 50 MB upstream stream over a real socket is never relayed or held whole. Visible text
// stops at the reply ceiling; a stream of anything else stops at 16 MiB. Both drivers.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Database } from '@closer/functions/_shared/db/types.ts';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type Api, createApi } from '../helpers/api.ts';
import { drivers, migratedDatabase } from '../helpers/databases.ts';
import { chunk } from '../helpers/fakeLlm.ts';
import { readSse, text } from '../helpers/sse.ts';
import { createTenant, type TenantFixture } from '../helpers/tenants.ts';

const TOTAL = 50 * 1024 * 1024;
let piece = '';
let written = 0;
let upstream: Server;
let baseUrl = '';

beforeAll(async () => {
  // Writes `piece` until 50 MB have gone or the reader hangs up, minding backpressure.
  upstream = createServer((request, response) => {
    request.resume();
    written = 0;
    response.writeHead(200, { 'content-type': 'text/event-stream' });
    const more = () => {
      while (written < TOTAL && !response.destroyed) {
        written += Buffer.byteLength(piece);
        if (!response.write(piece)) return void response.once('drain', more);
      }
      if (!response.destroyed) response.end('data: [DONE]\n\n');
    };
    more();
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/v1`;
});
afterAll(() => upstream?.close());

describe.each(drivers)('a 50 MB upstream stream, on %s', (driver) => {
  let db: Database;
  let api: Api;
  let tenant: TenantFixture;
  beforeAll(async () => {
    db = await migratedDatabase(driver);
    tenant = await createTenant(db, 'Acme');
    await db.query('update agents set max_tokens = 500');
    api = createApi(db, { LLM_BASE_URL: baseUrl, LLM_MODEL: 'test-model' });
  });
  afterAll(async () => db?.close());

  const chat = async (message: string) => {
    const response = await api.fetch('/chat', {
      method: 'POST',
      headers: {
        authorization: `Bearer ${tenant.publishableKey}`,
        origin: 'https://acme.example',
        'content-type': 'application/json',
        accept: 'text/event-stream',
      },
      body: JSON.stringify({ message }),
    });
    const { events } = await readSse(response);
    const { conversationId } = events[0]!.data as { conversationId: string };
    const [reply] = await db.query<{ content: string; status: string }>(
      `select content, status from messages where conversation_id = $1 and role = 'assistant'`,
      [conversationId],
    );
    return { events, reply: reply! };
  };

  it('of text: stops reading at the reply ceiling (maxTokens × 8) and ends with done', async () => {
    piece = chunk({ content: 'y'.repeat(16 * 1024) });
    const { events, reply } = await chat('Everything, please');
    expect(events.at(-1)).toMatchObject({ event: 'done', data: { finishReason: 'length' } });
    expect(text(events)).toHaveLength(500 * 8);
    expect(reply).toEqual({ content: 'y'.repeat(4000), status: 'complete' });
    expect(written).toBeLessThan(TOTAL / 2);
    expect((await api.fetch('/health')).status).toBe(200);
  });

  it('of reasoning only: cuts it at 16 MiB with an upstream error, stored interrupted', async () => {
    piece = chunk({ reasoning: 'z'.repeat(64 * 1024) });
    const logged = vi.spyOn(console, 'warn');
    const errors = vi.spyOn(console, 'error');
    const { events, reply } = await chat('Think hard');
    expect(events.map((e) => e.event)).toEqual(['start', 'error']);
    // The visitor gets the generic message; why it failed is in the log.
    expect(events[1]!.data).toMatchObject({
      code: 'upstream_error',
      message: expect.stringMatching(/^The language model could not answer \(request /),
    });
    const lines = [...logged.mock.calls, ...errors.mock.calls].map((call) => String(call[0]));
    expect(lines.some((line) => line.includes('16 MiB'))).toBe(true);
    logged.mockRestore();
    errors.mockRestore();
    expect(JSON.stringify(events)).not.toContain('zzz');
    expect(reply).toEqual({ content: '', status: 'interrupted' });
    expect(written).toBeLessThan(TOTAL / 2);
    expect((await api.fetch('/health')).status).toBe(200);
  });
});
