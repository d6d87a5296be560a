import type { KnowledgeItem, ObjectionAnswer, Page, SalesScript } from '@closer/contract';
import type { Database } from '@closer/functions/_shared/db/types.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Caller, createApi, issuePaths } from '../helpers/api.ts';
import { migratedDatabase } from '../helpers/databases.ts';
import { createTenant, type TenantFixture } from '../helpers/tenants.ts';

let db: Database;
let a: TenantFixture;
let b: TenantFixture;
let asA: Caller;

beforeAll(async () => {
  db = await migratedDatabase('pglite');
  a = await createTenant(db, 'Acme');
  b = await createTenant(db, 'Globex');
  asA = createApi(db).as(a.secretKey);
});
afterAll(async () => db?.close());

const count = async (sql: string, params: unknown[]) =>
  (await db.query<{ n: number }>(`select count(*)::int as n from ${sql}`, params))[0]?.n;

describe('knowledge', () => {
  it('stores one item as written and indexes it for retrieval', async () => {
    const response = await asA<KnowledgeItem>('POST', `/agents/${a.agentId}/knowledge`, {
      title: 'Warranty',
      content: 'Panels carry a 25-year warranty.',
      tags: ['warranty'],
      source: 'https://acme.example/warranty',
    });
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({
      agentId: a.agentId,
      title: 'Warranty',
      content: 'Panels carry a 25-year warranty.',
      tags: ['warranty'],
      source: 'https://acme.example/warranty',
    });
    const chunks = await db.query<{ content: string }>(
      'select content from knowledge_chunks where knowledge_id = $1',
      [response.body.id],
    );
    expect(chunks).toEqual([{ content: 'Warranty\nPanels carry a 25-year warranty.' }]);
  });

  it('splits long knowledge into titled chunks but returns it whole', async () => {
    const paragraph = (n: number) =>
      `Paragraph ${n}. ${'The installer explains every step of the process. '.repeat(12)}`;
    const content = [1, 2, 3, 4, 5].map(paragraph).join('\n\n').trim();
    const response = await asA<KnowledgeItem>('POST', `/agents/${a.agentId}/knowledge`, {
      title: 'Process',
      content,
    });
    expect(response.body.content).toBe(content);
    const chunks = await db.query<{ content: string; position: number }>(
      'select content, position from knowledge_chunks where knowledge_id = $1 order by position',
      [response.body.id],
    );
    expect(chunks.length).toBeGreaterThan(2);
    expect(chunks.map((c) => c.position)).toEqual(chunks.map((_, i) => i));
    for (const chunk of chunks) {
      expect(chunk.content.startsWith('Process\n')).toBe(true);
      expect(chunk.content.length).toBeLessThanOrEqual(1200);
    }
    expect(
      chunks
        .map((c) => c.content.replace('Process\n', ''))
        .join(' ')
        .replace(/\s+/g, ' '),
    ).toBe(content.replace(/\s+/g, ' ').trim());
  });

  it('stores a batch of 500 in one request and answers them in order', async () => {
    const items = Array.from({ length: 500 }, (_, i) => ({
      title: `FAQ ${i}`,
      content: `Answer number ${i}`,
    }));
    const response = await asA<Page<KnowledgeItem>>('POST', `/agents/${a.agentId}/knowledge`, { items });
    expect(response.status).toBe(201);
    expect(response.body.data.map((k) => k.title)).toEqual(items.map((i) => i.title));
    expect(await count('company_knowledge where title like $1', ['FAQ %'])).toBe(500);
  });

  it('stores nothing of a batch with one bad item, and names it', async () => {
    const before = await count('company_knowledge where org_id = $1', [a.orgId]);
    const items = [
      { title: 'Good', content: 'Fine' },
      { title: 'Bad', content: '' },
      { title: 'Good 2', content: 'Fine' },
    ];
    const response = await asA('POST', `/agents/${a.agentId}/knowledge`, { items });
    expect(response.status).toBe(422);
    expect(issuePaths(response)).toContainEqual(['items', 1, 'content']);
    expect(await count('company_knowledge where org_id = $1', [a.orgId])).toBe(before);
  });

  it('refuses a batch over 500 with 422', async () => {
    const items = Array.from({ length: 501 }, () => ({ title: 'x', content: 'y' }));
    expect((await asA('POST', `/agents/${a.agentId}/knowledge`, { items })).status).toBe(422);
  });

  it('deletes an item with its chunks; another agent or tenant cannot', async () => {
    const created = await asA<KnowledgeItem>('POST', `/agents/${a.agentId}/knowledge`, {
      title: 'T',
      content: 'C',
    });
    const foreign = await asA('DELETE', `/agents/${b.agentId}/knowledge/${b.knowledgeId}`);
    expect(foreign.status).toBe(404);
    expect(await count('company_knowledge where id = $1', [b.knowledgeId])).toBe(1);
    expect((await asA('DELETE', `/agents/${a.agentId}/knowledge/${created.body.id}`)).status).toBe(204);
    expect(await count('knowledge_chunks where knowledge_id = $1', [created.body.id])).toBe(0);
    expect((await asA('DELETE', `/agents/${a.agentId}/knowledge/${created.body.id}`)).status).toBe(404);
  });

  it("lists only the agent's knowledge, newest first; another tenant's agent is 404", async () => {
    const page = await asA<Page<KnowledgeItem>>('GET', `/agents/${a.agentId}/knowledge?limit=3`);
    expect(page.body.data).toHaveLength(3);
    expect(page.body.data.every((k) => k.agentId === a.agentId)).toBe(true);
    expect(page.body.nextCursor).toEqual(expect.any(String));
    expect((await asA('GET', `/agents/${b.agentId}/knowledge`)).status).toBe(404);
  });
});

describe('sales scripts', () => {
  it('creates, updates partially, lists and deletes', async () => {
    const created = await asA<SalesScript>('POST', `/agents/${a.agentId}/scripts`, {
      stage: 'discovery',
      name: 'Qualify',
      content: 'Ask about the roof.',
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ stage: 'discovery', name: 'Qualify', position: 0 });
    const patched = await asA<SalesScript>('PATCH', `/agents/${a.agentId}/scripts/${created.body.id}`, {
      position: 2,
    });
    expect(patched.body).toMatchObject({ stage: 'discovery', name: 'Qualify', position: 2 });
    const [row] = await db.query<{ position: number }>('select position from sales_scripts where id = $1', [
      created.body.id,
    ]);
    expect(row?.position).toBe(2);
    const list = await asA<Page<SalesScript>>('GET', `/agents/${a.agentId}/scripts`);
    expect(list.body.data.map((s) => s.name)).toEqual(['Qualify', 'Hello']);
    expect((await asA('DELETE', `/agents/${a.agentId}/scripts/${created.body.id}`)).status).toBe(204);
  });

  it('refuses an unknown stage and an empty patch field with 422', async () => {
    const bad = await asA('POST', `/agents/${a.agentId}/scripts`, {
      stage: 'upsell',
      name: 'x',
      content: 'y',
    });
    expect(issuePaths(bad)).toEqual([['stage']]);
    const [script] = await db.query<{ id: string }>('select id from sales_scripts where agent_id = $1', [
      a.agentId,
    ]);
    expect((await asA('PATCH', `/agents/${a.agentId}/scripts/${script?.id}`, { content: '' })).status).toBe(
      422,
    );
  });

  it("cannot touch another tenant's script", async () => {
    const [script] = await db.query<{ id: string }>('select id from sales_scripts where agent_id = $1', [
      b.agentId,
    ]);
    expect((await asA('PATCH', `/agents/${b.agentId}/scripts/${script?.id}`, { name: 'Mine' })).status).toBe(
      404,
    );
    expect((await asA('PATCH', `/agents/${a.agentId}/scripts/${script?.id}`, { name: 'Mine' })).status).toBe(
      404,
    );
    expect(await count('sales_scripts where id = $1 and name = $2', [script?.id, 'Hello'])).toBe(1);
  });
});

describe('objection answers', () => {
  it('creates, updates, lists and deletes with keywords', async () => {
    const created = await asA<ObjectionAnswer>('POST', `/agents/${a.agentId}/objections`, {
      objection: 'I need to ask my wife',
      keywords: ['wife', 'spouse'],
      answer: 'Book the survey together.',
    });
    expect(created.status).toBe(201);
    expect(created.body.keywords).toEqual(['wife', 'spouse']);
    const patched = await asA<ObjectionAnswer>(
      'PATCH',
      `/agents/${a.agentId}/objections/${created.body.id}`,
      {
        keywords: ['partner'],
      },
    );
    expect(patched.body).toMatchObject({ objection: 'I need to ask my wife', keywords: ['partner'] });
    const list = await asA<Page<ObjectionAnswer>>('GET', `/agents/${a.agentId}/objections`);
    expect(list.body.data.map((o) => o.objection)).toContain('I need to ask my wife');
    expect((await asA('DELETE', `/agents/${a.agentId}/objections/${created.body.id}`)).status).toBe(204);
    expect(await count('objection_responses where id = $1', [created.body.id])).toBe(0);
  });

  it('refuses an empty answer with 422', async () => {
    const response = await asA('POST', `/agents/${a.agentId}/objections`, {
      objection: 'Too pricey',
      answer: ' ',
    });
    expect(issuePaths(response)).toEqual([['answer']]);
  });
});
