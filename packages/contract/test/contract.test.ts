import { describe, expect, it } from 'vitest';
import {
  agentCreate,
  agentUpdate,
  chatEventSchemas,
  chatRequest,
  errorBody,
  errorStatus,
  knowledgeCreateBody,
  leadFields,
  listQuery,
  MAX_MESSAGE_LENGTH,
} from '../src/index.ts';

describe('agents', () => {
  it('fill every default a new agent needs from just a name', () => {
    const agent = agentCreate.parse({ name: 'Maya' });
    expect(agent).toMatchObject({
      name: 'Maya',
      language: 'en',
      status: 'active',
      allowedOrigins: [],
      theme: { accentColor: '#4f46e5', position: 'right', mode: 'auto' },
      rateLimits: { visitorPerMinute: 20, ipPerMinute: 60 },
      leadCapture: {
        enabled: true,
        fields: [
          { field: 'name', required: true },
          { field: 'phone', required: false },
          { field: 'email', required: false },
        ],
      },
    });
  });

  it.each([
    ['https://shop.example', true],
    ['http://localhost:3000', true],
    ['*', true],
    ['https://shop.example/', false],
    ['https://shop.example/path', false],
    ['shop.example', false],
    ['javascript:alert(1)', false],
    ['https://*.example.com', true],
    ['http://*.localhost:5173', true],
    ['https://*.example.com:8443', true],
    ['https://*.com', false],
    ['https://a.*.example.com', false],
    ['https://*example.com', false],
    ['https://*.*.example.com', false],
    ['https://*.example.com/', false],
    ['*.example.com', false],
  ])('accept %s as an allowed origin: %s', (origin, ok) => {
    expect(agentCreate.safeParse({ name: 'A', allowedOrigins: [origin] }).success).toBe(ok);
  });

  it('refuse empty names, unknown fields in updates and repeated lead fields', () => {
    expect(agentCreate.safeParse({ name: '   ' }).success).toBe(false);
    expect(agentUpdate.safeParse({ publishableKey: 'pk_x' }).success).toBe(false);
    expect(agentUpdate.parse({ temperature: 1 })).toEqual({ temperature: 1 });
    const repeated = { name: 'A', leadCapture: { fields: [{ field: 'email' }, { field: 'email' }] } };
    expect(agentCreate.safeParse(repeated).success).toBe(false);
  });
});

describe('knowledge', () => {
  it('take one item or a batch of up to 500', () => {
    const item = { title: 'Pricing', content: 'From $10' };
    expect(knowledgeCreateBody.safeParse(item).success).toBe(true);
    expect(knowledgeCreateBody.safeParse({ items: Array(500).fill(item) }).success).toBe(true);
    expect(knowledgeCreateBody.safeParse({ items: Array(501).fill(item) }).success).toBe(false);
    expect(knowledgeCreateBody.safeParse({ items: [] }).success).toBe(false);
  });
});

describe('chat', () => {
  it(`limit a message to 1..${MAX_MESSAGE_LENGTH} characters with a readable message`, () => {
    expect(chatRequest.safeParse({ message: 'Hi' }).success).toBe(true);
    const long = chatRequest.safeParse({ message: 'x'.repeat(MAX_MESSAGE_LENGTH + 1) });
    expect(long.error?.issues[0]?.message).toBe(`must be at most ${MAX_MESSAGE_LENGTH} characters`);
    expect(chatRequest.safeParse({ message: '  ' }).success).toBe(false);
  });

  it('keep fields added to stream events by a newer server', () => {
    const parsed = chatEventSchemas.delta.parse({ text: 'Hel', index: 3 });
    expect(parsed).toEqual({ text: 'Hel', index: 3 });
    expect(chatEventSchemas.done.safeParse({ messageId: 'x' }).success).toBe(false);
  });

  it('validate lead fields and require at least one', () => {
    expect(leadFields.safeParse({ email: 'ann@example.com', phone: '+34 600 123 456' }).success).toBe(true);
    expect(leadFields.safeParse({ email: 'not-an-email' }).success).toBe(false);
    expect(leadFields.safeParse({ phone: 'call me' }).success).toBe(false);
    expect(leadFields.safeParse({}).success).toBe(false);
  });
});

describe('wire basics', () => {
  it('page with limit 1..100, default 20', () => {
    expect(listQuery.parse({})).toEqual({ limit: 20 });
    expect(listQuery.parse({ limit: '100', cursor: 'abc' })).toEqual({ limit: 100, cursor: 'abc' });
    expect(listQuery.safeParse({ limit: '0' }).success).toBe(false);
    expect(listQuery.safeParse({ limit: '101' }).success).toBe(false);
  });

  it('give every error code its status, and accept codes added later', () => {
    expect(errorStatus).toMatchObject({
      validation_failed: 422,
      rate_limited: 429,
      not_found: 404,
      payload_too_large: 413,
    });
    const future = { error: { code: 'quota_exceeded', message: 'Over quota', requestId: 'r1' } };
    expect(errorBody.parse(future)).toEqual(future);
  });
});
