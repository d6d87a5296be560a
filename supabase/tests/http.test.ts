import { randomUUID } from 'node:crypto';
import { withTenant } from '@closer/functions/_shared/db/tenant.ts';
import type { Database } from '@closer/functions/_shared/db/types.ts';
import { createFunctionApp, type FunctionApp } from '@closer/functions/_shared/http/app.ts';
import { readJson } from '@closer/functions/_shared/http/validate.ts';
import { createRuntime } from '@closer/functions/_shared/runtime.ts';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { migratedDatabase } from './helpers/databases.ts';

let db: Database;
let app: FunctionApp;

beforeAll(async () => {
  db = await migratedDatabase('pglite');
  app = createFunctionApp('probe', createRuntime(db, {}), { maxBodyBytes: 2048 });
  app.post('/people', async (c) => {
    const body = await readJson(c, z.object({ name: z.string().min(1), age: z.number().int().min(0) }));
    return c.json(body, 201);
  });
  app.post('/organizations', async (c) => {
    await db.query(
      `insert into organizations (id, name) values ('00000000-0000-4000-8000-000000000077', 'Twice')`,
    );
    return c.json({}, 201);
  });
  app.post('/foreign-key', async (c) => {
    // A handler bug: writing a row of another organisation; row-level security refuses it (SQLSTATE 42501).
    await withTenant(db, { role: 'authenticated', org_id: randomUUID() }, (tx) =>
      tx.query(`insert into public.api_keys (org_id, name, prefix, key_hash) values ($1, 'x', 'sk_x', 'h')`, [
        randomUUID(),
      ]),
    );
    return c.json({}, 201);
  });
  app.get('/boom', () => {
    throw new Error('connection string postgres://user:hunter2@db');
  });
});
afterAll(async () => db?.close());

const post = (path: string, body: BodyInit, headers: Record<string, string> = {}) =>
  app.request(`/probe${path}`, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/json', ...headers },
  });

async function envelope(response: Response) {
  const body = (await response.json()) as {
    error: {
      code: string;
      message: string;
      requestId: string;
      details?: { path: (string | number)[]; message: string }[];
    };
  };
  expect(body.error.requestId).toBe(response.headers.get('x-request-id'));
  return body.error;
}

describe('the http layer', () => {
  it('answers an unknown route with a 404 envelope', async () => {
    const response = await app.request('/probe/nothing-here');
    expect(response.status).toBe(404);
    expect(await envelope(response)).toMatchObject({
      code: 'not_found',
      message: 'No route for GET /probe/nothing-here',
    });
    const outside = await app.request('/elsewhere');
    expect(outside.status).toBe(404);
    expect((await envelope(outside)).code).toBe('not_found');
  });

  it('answers malformed JSON with a 400 envelope that says so', async () => {
    const response = await post('/people', '{"name": "Ann",');
    expect(response.status).toBe(400);
    expect(await envelope(response)).toMatchObject({
      code: 'bad_request',
      message: expect.stringMatching(/not valid JSON/),
    });
    const empty = await post('/people', '');
    expect(empty.status).toBe(400);
  });

  it('answers a schema violation with 422 and each field issue', async () => {
    const response = await post('/people', JSON.stringify({ name: '', age: 1.5 }));
    expect(response.status).toBe(422);
    const error = await envelope(response);
    expect(error.code).toBe('validation_failed');
    expect(error.details?.map((d) => d.path)).toEqual([['name'], ['age']]);
  });

  it('accepts a valid body', async () => {
    const response = await post('/people', JSON.stringify({ name: 'Ann', age: 40 }));
    expect(response.status).toBe(201);
    expect(await response.json()).toEqual({ name: 'Ann', age: 40 });
  });

  it('answers an oversized body with 413, declared or streamed', async () => {
    const big = JSON.stringify({ name: 'x'.repeat(5000), age: 1 });
    const declared = await post('/people', big);
    expect(declared.status).toBe(413);
    expect((await envelope(declared)).code).toBe('payload_too_large');

    const stream = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode(big));
        controller.close();
      },
    });
    const streamed = await app.request('/probe/people', {
      method: 'POST',
      body: stream,
      headers: { 'content-type': 'application/json' },
      duplex: 'half',
    } as RequestInit);
    expect(streamed.status).toBe(413);
  });

  it('maps a unique violation to 409 conflict', async () => {
    expect((await post('/organizations', '{}')).status).toBe(201);
    const again = await post('/organizations', '{}');
    expect(again.status).toBe(409);
    expect((await envelope(again)).code).toBe('conflict');
  });

  it('answers an unexpected failure with 500 internal, without its details', async () => {
    const log = vi.spyOn(console, 'error').mockImplementation(() => {});
    const response = await app.request('/probe/boom');
    expect(response.status).toBe(500);
    const error = await envelope(response);
    expect(error).toMatchObject({ code: 'internal', message: 'Internal error' });
    expect(JSON.stringify(error)).not.toContain('hunter2');
    expect(log).toHaveBeenCalledOnce();
    log.mockRestore();
  });

  it('puts x-request-id and CORS headers on every response, errors and preflights included', async () => {
    const responses = [
      await app.request('/probe/nothing-here', { headers: { origin: 'https://shop.example' } }),
      await post('/people', '{', { origin: 'https://shop.example' }),
      await app.request('/probe/people', {
        method: 'OPTIONS',
        headers: { origin: 'https://shop.example', 'access-control-request-method': 'POST' },
      }),
    ];
    for (const response of responses) {
      expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
      expect(response.headers.get('access-control-allow-origin')).toBe('*');
    }
    expect(responses[2]?.headers.get('access-control-allow-headers')).toContain('authorization');
  });

  it('logs a permission refusal from Postgres (42501) with the request id and stack, and answers 403', async () => {
    const log = vi.spyOn(console, 'error').mockImplementation(() => {});
    const response = await post('/foreign-key', '{}');
    expect(response.status).toBe(403);
    const error = await envelope(response);
    expect(error.code).toBe('forbidden');
    expect(JSON.stringify(error)).not.toMatch(/row-level security|api_keys/);
    expect(log).toHaveBeenCalledOnce();
    const line = JSON.parse(String(log.mock.calls[0]![0])) as Record<string, string>;
    expect(line).toMatchObject({ level: 'error', requestId: error.requestId, code: '42501' });
    expect(line.error).toMatch(/row-level security/);
    expect(line.stack).toBeTruthy();
    log.mockRestore();
  });

  it('sends nosniff on every response and no-store unless a route allows caching', async () => {
    const log = vi.spyOn(console, 'error').mockImplementation(() => {});
    const responses = [
      await post('/people', JSON.stringify({ name: 'Ann', age: 40 })),
      await post('/people', '{'),
      await post('/people', JSON.stringify({ name: 'x'.repeat(5000), age: 1 })),
      await app.request('/probe/nothing-here'),
      await app.request('/probe/boom'),
      await app.request('/probe/people', {
        method: 'OPTIONS',
        headers: { origin: 'https://shop.example', 'access-control-request-method': 'POST' },
      }),
    ];
    for (const response of responses) {
      expect(response.headers.get('x-content-type-options'), String(response.status)).toBe('nosniff');
      expect(response.headers.get('cache-control'), String(response.status)).toBe('no-store');
    }
    log.mockRestore();
  });

  it("keeps a caller's sane request id and replaces an unsafe one", async () => {
    const kept = await app.request('/probe/nothing-here', { headers: { 'x-request-id': 'trace-1234abcd' } });
    expect(kept.headers.get('x-request-id')).toBe('trace-1234abcd');
    const replaced = await app.request('/probe/nothing-here', { headers: { 'x-request-id': '<script>' } });
    expect(replaced.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});
