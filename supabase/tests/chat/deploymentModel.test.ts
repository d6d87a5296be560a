// The deployment decides the model and the context window unless an agent does: LLM_MODEL for agents
// without a model, LLM_CONTEXT_WINDOW (and an agent's contextWindow over it) for trimming the prompt, and
// a history that cannot grow the prompt (or the work of trimming it) without bound.
import type { Agent } from '@closer/contract';
import { migrate, readMigrations } from '@closer/functions/_shared/db/migrate.ts';
import type { Database } from '@closer/functions/_shared/db/types.ts';
import { MAX_PROMPT_HISTORY } from '@closer/functions/_shared/prompt/assemble.ts';
import { estimateTokens } from '@closer/functions/_shared/prompt/tokens.ts';
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createApi } from '../helpers/api.ts';
import { drivers, emptyDatabase, migratedDatabase, migrationsDir } from '../helpers/databases.ts';
import { COMPATIBLE_BASE_URL, fakeUpstream, recordedStream, streamResponse } from '../helpers/fakeLlm.ts';
import { createTenant, type TenantFixture } from '../helpers/tenants.ts';

const server = setupServer();
const upstream = fakeUpstream(COMPATIBLE_BASE_URL);
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
beforeEach(() => {
  server.resetHandlers(...upstream.handlers);
  upstream.respond(() => streamResponse(recordedStream(['Sure.'])));
});
afterAll(() => server.close());

type Sent = { model: string; max_tokens: number; messages: { role: string; content: string }[] };
const lastSent = () => upstream.requests.at(-1)!.body as unknown as Sent;
const promptTokens = (sent: Sent) => sent.messages.reduce((sum, m) => sum + estimateTokens(m.content), 0);

/** A conversation of `turns` alternating messages, `size` characters each, oldest first. */
const history = (turns: number, size = 40) =>
  Array.from({ length: turns }, (_, i) => ({
    role: i % 2 ? 'assistant' : 'user',
    content: `turn ${i} ${'x'.repeat(Math.max(0, size - 12))}`.slice(0, size),
  }));

describe.each(drivers)('the deployment model on %s', (driver) => {
  let db: Database;
  let a: TenantFixture;
  beforeAll(async () => {
    db = await migratedDatabase(driver);
    a = await createTenant(db, 'Acme');
  });
  afterAll(async () => db?.close());

  it('is what an agent without a model asks for, and an agent may name its own or return to the default', async () => {
    const api = createApi(db, { LLM_BASE_URL: COMPATIBLE_BASE_URL, LLM_MODEL: 'llama3.2:3b' });
    const owner = api.as(a.secretKey);
    const agent = (await owner<Agent>('GET', `/agents/${a.agentId}`)).body;
    expect(agent.model).toBeNull();

    const first = await owner<{ message: { model: string } }>('POST', '/chat', {
      message: 'Hi',
      agentId: 'sales',
    });
    expect(first.status).toBe(200);
    expect(lastSent().model).toBe('llama3.2:3b');
    expect(first.body.message.model).toBe('llama3.2:3b');

    expect((await owner('PATCH', `/agents/${a.agentId}`, { model: 'qwen2.5:7b' })).status).toBe(200);
    await owner('POST', '/chat', { message: 'Hi', agentId: 'sales' });
    expect(lastSent().model).toBe('qwen2.5:7b');

    const reset = await owner<Agent>('PATCH', `/agents/${a.agentId}`, { model: null });
    expect(reset.body.model).toBeNull();
    await owner('POST', '/chat', { message: 'Hi', agentId: 'sales' });
    expect(lastSent().model).toBe('llama3.2:3b');

    const created = await owner<Agent>('POST', '/agents', { name: 'Second' });
    expect(created.body).toMatchObject({ model: null, contextWindow: null });
  });

  it('is missing on an OpenAI-compatible server without LLM_MODEL: 503 without detail, nothing sent', async () => {
    const log = vi.spyOn(console, 'error').mockImplementation(() => {});
    const before = upstream.requests.length;
    const api = createApi(db, { LLM_BASE_URL: COMPATIBLE_BASE_URL });
    const response = await api.as(a.secretKey)<{ error: { code: string } }>('POST', '/chat', {
      message: 'Hi',
      agentId: a.agentId,
    });
    expect(response.status).toBe(503);
    expect(response.body.error.code).toBe('unavailable');
    expect(upstream.requests.length).toBe(before);
    expect(String(log.mock.calls[0]?.[0])).toContain('LLM_MODEL is not set');
    log.mockRestore();
  });
});

describe.each(drivers)('the migration to deployment defaults on %s', (driver) => {
  it("moves agents still on the old default to the deployment's model and keeps chosen models", async () => {
    const db = await emptyDatabase(driver);
    try {
      const all = await readMigrations(migrationsDir);
      await migrate(
        db,
        all.filter((m) => m.version < '20261130020000'),
      );
      const org = crypto.randomUUID();
      await db.query(`insert into organizations (id, name) values ($1, 'Old')`, [org]);
      await db.query(
        `insert into agents (org_id, name, slug, publishable_key) values ($1, 'Defaulted', 'defaulted', 'pk_old_1')`,
        [org],
      );
      await db.query(
        `insert into agents (org_id, name, slug, publishable_key, model) values ($1, 'Chosen', 'chosen', 'pk_old_2', 'anthropic/claude-3.5-haiku')`,
        [org],
      );
      await migrate(db, all);
      const rows = await db.query<{ slug: string; model: string | null; context_window: number | null }>(
        'select slug, model, context_window from agents order by slug',
      );
      expect(rows).toEqual([
        { slug: 'chosen', model: 'anthropic/claude-3.5-haiku', context_window: null },
        { slug: 'defaulted', model: null, context_window: null },
      ]);
    } finally {
      await db.close();
    }
  });
});

describe('the context window', () => {
  let db: Database;
  let a: TenantFixture;
  const completions = (api: ReturnType<typeof createApi>, turns: { role: string; content: string }[]) =>
    api.as(a.secretKey)('POST', '/chat/v1/chat/completions', {
      model: 'sales',
      messages: [...turns, { role: 'user', content: 'And the price?' }],
    });
  beforeAll(async () => {
    db = await migratedDatabase('pglite');
    a = await createTenant(db, 'Acme');
    await db.query(`update agents set persona = $2 where id = $1`, [
      a.agentId,
      `You are Maya, the solar advisor. ${'Always be precise about panels. '.repeat(60)}`,
    ]);
  });
  afterAll(async () => db?.close());

  it('comes from LLM_CONTEXT_WINDOW: the system prompt and the reply fit a 4,096-token Ollama window', async () => {
    // qwen is 32,000 tokens in the name table; Ollama serves it with 4,096 unless told otherwise.
    const api = createApi(db, {
      LLM_BASE_URL: COMPATIBLE_BASE_URL,
      LLM_MODEL: 'qwen2.5:7b',
      LLM_CONTEXT_WINDOW: '4096',
    });
    expect((await completions(api, history(400, 120))).status).toBe(200);
    const sent = lastSent();
    expect(sent.messages[0]).toMatchObject({
      role: 'system',
      content: expect.stringContaining('You are Maya'),
    });
    expect(sent.messages.at(-1)).toEqual({ role: 'user', content: 'And the price?' });
    expect(sent.messages.length).toBeGreaterThan(3);
    expect(promptTokens(sent) + sent.max_tokens).toBeLessThanOrEqual(4096);
    // The turns kept are the most recent ones, in order.
    expect(sent.messages.at(-2)!.content).toMatch(/^turn 399 /);
  });

  it("comes from the agent's contextWindow over LLM_CONTEXT_WINDOW", async () => {
    await db.query('update agents set context_window = 2048 where id = $1', [a.agentId]);
    try {
      const api = createApi(db, {
        LLM_BASE_URL: COMPATIBLE_BASE_URL,
        LLM_MODEL: 'qwen2.5:7b',
        LLM_CONTEXT_WINDOW: '32768',
      });
      expect((await completions(api, history(400, 120))).status).toBe(200);
      const sent = lastSent();
      expect(sent.messages[0]!.content).toContain('You are Maya');
      expect(promptTokens(sent) + sent.max_tokens).toBeLessThanOrEqual(2048);
    } finally {
      await db.query('update agents set context_window = null where id = $1', [a.agentId]);
    }
  });

  it('refuses an LLM_CONTEXT_WINDOW that is not a number of tokens with a generic 503', async () => {
    const log = vi.spyOn(console, 'error').mockImplementation(() => {});
    const api = createApi(db, {
      LLM_BASE_URL: COMPATIBLE_BASE_URL,
      LLM_MODEL: 'qwen2.5:7b',
      LLM_CONTEXT_WINDOW: '4k',
    });
    const response = await completions(api, []);
    expect(response.status).toBe(503);
    expect(JSON.stringify(response.body)).not.toContain('LLM_CONTEXT_WINDOW');
    expect(String(log.mock.calls[0]?.[0])).toContain('LLM_CONTEXT_WINDOW');
    log.mockRestore();
  });

  it('takes a 15,000-turn (817 KiB) history through the OpenAI-compatible endpoint, keeping only the latest turns', async () => {
    const api = createApi(db, {
      LLM_BASE_URL: COMPATIBLE_BASE_URL,
      LLM_MODEL: 'big-model',
      LLM_CONTEXT_WINDOW: '1000000',
    });
    const long = history(15_000, 26);
    // As reported: about 817 KiB of JSON, under the 1 MiB body limit.
    expect(JSON.stringify(long).length).toBeGreaterThan(780 * 1024);
    expect(JSON.stringify(long).length).toBeLessThan(1024 * 1024);
    expect((await completions(api, long)).status).toBe(200);
    const sent = lastSent();
    const kept = sent.messages.slice(1, -1);
    expect(kept.length).toBeLessThanOrEqual(MAX_PROMPT_HISTORY);
    expect(kept.length).toBeGreaterThan(MAX_PROMPT_HISTORY - 5);
    expect(kept.at(-1)!.content).toMatch(/^turn 14999 /);
    expect(kept.map((m) => Number(m.content.split(' ')[1]))).toEqual(
      Array.from({ length: kept.length }, (_, i) => 15_000 - kept.length + i),
    );
  });
});
