// Text cut to a length is never cut inside a character. `slice(0, n)` at an emoji kept half of its surrogate
// pair; JSON escapes the half as `\ud83d` and PostgreSQL's jsonb refuses it, so honest input failed with 422 "A
// value is not acceptable": a visitor's long answer to a qualification question (no reply at all), a file whose
// long name has an emoji at the cut. On both drivers, and the cut itself.
import { isStorableText } from '@closer/contract';
import type { Database } from '@closer/functions/_shared/db/types.ts';
import { parts } from '@closer/functions/_shared/knowledge/extract/sections.ts';
import { clipText } from '@closer/functions/_shared/text.ts';
import { RESPONSE_EXCERPT_CHARS, sendWebhook } from '@closer/functions/_shared/webhooks/destination.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Api, createApi } from '../helpers/api.ts';
import { drivers, migratedDatabase } from '../helpers/databases.ts';
import { createTenant, type TenantFixture } from '../helpers/tenants.ts';

const EMOJI_AT_500 = `${'a'.repeat(499)}😀 and then some more words`;

describe('clipText', () => {
  it('cuts by code units but leaves out a character that does not fit whole', () => {
    expect(clipText('abc😀', 4)).toBe('abc');
    expect(clipText('abc😀', 5)).toBe('abc😀');
    expect(clipText('abcdef', 3)).toBe('abc');
    expect(clipText('😀😀', 1)).toBe('');
    expect(clipText('short', 100)).toBe('short');
    expect(clipText('abc', 0)).toBe('');
  });

  it('splits a long section without a paragraph break between characters, never inside an emoji', () => {
    const section = `x${'😀'.repeat(60_000)}`;
    const split = parts(section);
    expect(split.length).toBeGreaterThan(1);
    expect(split.join('')).toBe(section);
    for (const part of split) expect(isStorableText(part)).toBe(true);
  });

  it("keeps whole characters of a webhook endpoint's answer in the delivery log's excerpt", async () => {
    const answer = `${'a'.repeat(RESPONSE_EXCERPT_CHARS - 1)}😀 and the rest\u0000`;
    const sent = await sendWebhook('https://hooks.example/closer', {}, '{}', {
      fetch: async () => new Response(answer, { status: 500 }),
      resolve: async () => ['203.0.113.7'],
      allowPrivate: true,
      timeoutMs: 1000,
    });
    expect(sent.statusCode).toBe(500);
    expect(sent.responseExcerpt).toBe('a'.repeat(RESPONSE_EXCERPT_CHARS - 1));
  });
});

describe.each(drivers)('text cut to a length on %s', (driver) => {
  let db: Database;
  let api: Api;
  let t: TenantFixture;

  beforeAll(async () => {
    db = await migratedDatabase(driver);
    api = createApi(db, { CLOSER_UPLOADS_DIR: `/tmp/closer-clipped-text-${driver}-${process.pid}` });
    t = await createTenant(db, 'Acme', { allowedOrigins: ['*'] });
  });
  afterAll(async () => db?.close());

  it('takes a long answer with an emoji at the cut to a qualification question (was 422, no reply)', async () => {
    const plan = await api.as(t.secretKey)('PUT', `/agents/${t.agentId}/qualification`, {
      enabled: true,
      criteria: [{ key: 'need', question: 'What would you like to solve?', type: 'text', weight: 1 }],
    });
    expect(plan.status).toBe(200);
    const visitor = api.as(t.publishableKey, { origin: 'https://shop.example' });
    const first = await visitor<{
      conversationId: string;
      visitorToken: string;
      message: { content: string };
    }>('POST', '/chat', { agentId: t.agentId, message: 'Hello there' });
    expect(first.body.message.content).toContain('What would you like to solve?');
    const second = await visitor(
      'POST',
      '/chat',
      { agentId: t.agentId, conversationId: first.body.conversationId, message: EMOJI_AT_500 },
      { 'x-visitor-token': first.body.visitorToken },
    );
    expect(second.status, JSON.stringify(second.body)).toBe(200);
    const [state] = await db.query<{ answers: Record<string, { value: string }> }>(
      'select answers from public.qualifications where conversation_id = $1',
      [first.body.conversationId],
    );
    expect(state?.answers.need?.value).toBe('a'.repeat(499));
  });

  it('stores a file whose long name has an emoji at the cut (was 422)', async () => {
    const form = new FormData();
    form.set(
      'file',
      new File(['Opening hours: nine to five'], `${'a'.repeat(199)}😀.txt`, { type: 'text/plain' }),
    );
    const response = await api.fetch(`/agents/${t.agentId}/sources`, {
      method: 'POST',
      headers: { authorization: `Bearer ${t.secretKey}` },
      body: form,
    });
    const body = (await response.json()) as { name: string; settings: { fileName: string } };
    expect(response.status, JSON.stringify(body)).toBe(201);
    expect(body.name).toBe('a'.repeat(199));
    expect(body.settings.fileName).toBe('a'.repeat(199));
  });
});
