// The SDK against the real local stack over real sockets, doing what docs/sdk.md shows.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Database } from '@closer/functions/_shared/db/types.ts';
import { createRuntime } from '@closer/functions/_shared/runtime.ts';
import { openDatabase, prepareDatabase } from '@closer/local/src/database.ts';
import { ensureDemoKeys } from '@closer/local/src/demoKeys.ts';
import { createLocalApp } from '@closer/local/src/server.ts';
import { type ServerType, serve } from '@hono/node-server';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createChatClient } from '../src/chat.ts';
import { ConflictError, createClient, csvFilename, NotFoundError, PermissionError } from '../src/index.ts';

let db: Database;
let stack: ServerType;
let upstream: Server;
let url = '';
let secretKey = '';

beforeAll(async () => {
  // A model that answers slowly enough to be interrupted: one word every 30 ms.
  upstream = createServer((request, response) => {
    request.resume();
    response.writeHead(200, { 'content-type': 'text/event-stream' });
    const words = 'We ship to every country in the European Union within five working days .'.split(' ');
    let i = 0;
    const timer = setInterval(() => {
      if (i < words.length) {
        response.write(
          `data: ${JSON.stringify({ choices: [{ index: 0, delta: { content: `${words[i++]} ` }, finish_reason: null }] })}\n\n`,
        );
        return;
      }
      clearInterval(timer);
      response.end(
        `data: ${JSON.stringify({ choices: [{ index: 0, delta: {}, finish_reason: 'stop' }], usage: { prompt_tokens: 80, completion_tokens: 14 } })}\n\ndata: [DONE]\n\n`,
      );
    }, 30);
    response.on('close', () => clearInterval(timer));
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  db = await openDatabase({ kind: 'memory' });
  await prepareDatabase(db);
  secretKey = (await ensureDemoKeys(db, {}, null)).secretKey!;
  const app = createLocalApp(
    createRuntime(db, {
      LLM_BASE_URL: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/v1`,
      LLM_MODEL: 'local-model',
    }),
  );
  await new Promise<void>((resolve) => {
    stack = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => {
      url = `http://127.0.0.1:${info.port}/functions/v1`;
      resolve();
    });
  });
});
afterAll(async () => {
  stack?.close();
  upstream?.close();
  await db?.close();
});

it('manages an agent, streams a chat, lets a browser chat with the publishable key, and stores an abort', async () => {
  const closer = createClient({ url, secretKey });
  const agent = await closer.agents.create({
    name: 'Lumen Books',
    allowedOrigins: ['https://lumen.example'],
  });
  expect(agent).toMatchObject({ slug: 'lumen-books', status: 'active' });
  const items = await closer.agents.knowledge.createMany(agent.id, [
    { title: 'Shipping', content: 'We ship to every EU country within five working days.' },
    { title: 'Returns', content: 'Returns are free within 30 days.' },
  ]);
  expect(items.map((i) => i.title)).toEqual(['Shipping', 'Returns']);
  const titles: string[] = [];
  for await (const item of closer.agents.knowledge.list(agent.id, { limit: 1 })) titles.push(item.title);
  expect(titles.sort()).toEqual(['Returns', 'Shipping']);

  const stream = closer.chat.stream({ agentId: agent.id, message: 'Do you ship abroad?' });
  let text = '';
  for await (const piece of stream.textStream) text += piece;
  expect(text.trim()).toBe('We ship to every country in the European Union within five working days .');

  const browser = createChatClient({
    url,
    publishableKey: agent.publishableKey,
    headers: { origin: 'https://lumen.example' },
  });
  const config = await browser.config();
  expect(config).toMatchObject({ agentId: agent.id, name: 'Lumen Books' });
  const first = await browser.send({ message: 'Hello' });
  expect(first.visitorToken).toMatch(/^vt_/);
  const history = await browser.history(first.conversationId);
  expect(history.messages.map((m) => m.role)).toEqual(['user', 'assistant']);
  await expect(
    createChatClient({
      url,
      publishableKey: agent.publishableKey,
      headers: { origin: 'https://lumen.example' },
    }).history(first.conversationId),
  ).rejects.toBeInstanceOf(NotFoundError);
  await expect(
    createClient({
      url,
      publishableKey: agent.publishableKey,
      headers: { origin: 'https://lumen.example' },
    }).agents.list(),
  ).rejects.toBeInstanceOf(PermissionError);

  const interrupted = browser.stream({ message: 'Tell me more', conversationId: first.conversationId });
  let deltas = 0;
  for await (const event of interrupted) {
    if (event.type === 'delta' && ++deltas === 3) interrupted.abort();
  }
  const storedNow = async () => (await closer.conversations.retrieve(first.conversationId)).messages.at(-1);
  await expect.poll(async () => (await storedNow())?.status).toBe('interrupted');
  const stored = await storedNow();
  expect(stored?.status).toBe('interrupted');
  expect(stored?.content.startsWith('We ship to ')).toBe(true);

  const today = new Date().toISOString().slice(0, 10);
  const stats = await closer.dashboard.retrieve({ from: today, to: today });
  expect(stats.agents.find((a) => a.agentId === agent.id)?.conversations).toBe(2);
}, 30_000);

it('finds conversations by their words, exports them and the leads as CSV, and retries a lead’s sync', async () => {
  const closer = createClient({ url, secretKey });
  const agent = await closer.agents.create({ name: 'Export Desk' });
  const from = new Date(Date.now() - 60_000).toISOString();
  const first = await closer.chat.send({ agentId: agent.id, message: 'Do you deliver to Zaragoza?' });
  await closer.chat.submitLead({
    agentId: agent.id,
    conversationId: first.conversationId,
    fields: { name: '=SUM(A1)', email: 'ana@example.com' },
  });
  await closer.chat.send({ agentId: agent.id, message: 'Just browsing' });

  const found = await closer.conversations.list({ agentId: agent.id, q: 'zaragoza' });
  expect(found.data.map((c) => c.id)).toEqual([first.conversationId]);
  const withoutLead = await closer.conversations.list({ agentId: agent.id, hasLead: false });
  expect(withoutLead.data).toHaveLength(1);
  expect(withoutLead.data[0]?.id).not.toBe(first.conversationId);

  const conversations = await closer.conversations.export({ agentId: agent.id, from });
  expect(csvFilename(conversations)).toBe(`conversations-from-${from.slice(0, 10)}.csv`);
  const text = new TextDecoder('utf-8', { ignoreBOM: true }).decode(await conversations.arrayBuffer());
  expect(text.startsWith('\uFEFFconversationId,')).toBe(true);
  expect(text).toContain('Do you deliver to Zaragoza?');
  expect(text.split('\r\n').filter((line) => line.includes(first.conversationId))).toHaveLength(2);

  const leads = await (await closer.leads.export({ agentId: agent.id })).text();
  expect(leads).toContain(",'=SUM(A1),ana@example.com,");
  const [lead] = (await closer.leads.list({ agentId: agent.id })).data;
  await expect(closer.leads.sync(lead!.id)).rejects.toBeInstanceOf(ConflictError);
}, 30_000);

it('lets a visitor export and erase their conversation, and an admin find and erase a person', async () => {
  const closer = createClient({ url, secretKey });
  const agent = await closer.agents.create({
    name: 'Privacy Shop',
    allowedOrigins: ['https://privacy.example'],
  });
  const browser = createChatClient({
    url,
    publishableKey: agent.publishableKey,
    headers: { origin: 'https://privacy.example' },
  });
  const chat = await browser.send({ message: 'Call me back please' });
  await browser.submitLead({
    conversationId: chat.conversationId,
    fields: { name: 'Rosa', email: 'rosa@example.com' },
  });
  const mine = await browser.exportData(chat.conversationId);
  expect(mine.leads.map((lead) => lead.email)).toEqual(['rosa@example.com']);
  expect(mine.conversations[0]?.messages[0]?.content).toBe('Call me back please');

  const dry = await closer.privacy.erase({ email: 'ROSA@example.com', dryRun: true });
  expect(dry).toMatchObject({ dryRun: true, conversations: 1, leads: 1 });

  await browser.erase(chat.conversationId);
  await expect(closer.conversations.retrieve(chat.conversationId)).rejects.toBeInstanceOf(NotFoundError);
  expect(await closer.privacy.erase({ email: 'rosa@example.com', dryRun: true })).toMatchObject({ leads: 0 });
  const actions: string[] = [];
  for await (const entry of closer.privacy.audit()) actions.push(`${entry.action}:${entry.actor.kind}`);
  expect(actions).toContain('erase:visitor');
  expect(await closer.privacy.retention.update({ retentionDays: 90 })).toMatchObject({
    retentionDays: 90,
    leadRetention: 'keep',
  });
});
