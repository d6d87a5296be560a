// The SDK's handoff surface against the real local stack over real sockets: a visitor's chat client follows the
// live channel (client.chat.events) across the server's own stream ends, while an operator answers through
// client.conversations (docs/handoff.md).
import type { ConversationEvent } from '@closer/contract';
import type { Database } from '@closer/functions/_shared/db/types.ts';
import { createRuntime } from '@closer/functions/_shared/runtime.ts';
import { openDatabase, prepareDatabase } from '@closer/local/src/database.ts';
import { ensureDemoKeys } from '@closer/local/src/demoKeys.ts';
import { createLocalApp } from '@closer/local/src/server.ts';
import { type ServerType, serve } from '@hono/node-server';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createChatClient } from '../src/chat.ts';
import { ConflictError, createClient, NotFoundError } from '../src/index.ts';

let db: Database;
let stack: ServerType;
let url = '';
let secretKey = '';

beforeAll(async () => {
  db = await openDatabase({ kind: 'memory' });
  await prepareDatabase(db);
  secretKey = (await ensureDemoKeys(db, {}, null)).secretKey!;
  // Streams end every 0.4 s, as they do before the edge runtime's limit: the client must carry on by itself.
  const app = createLocalApp(createRuntime(db, { CLOSER_EVENTS_STREAM_SECONDS: '0.4' }));
  await new Promise<void>((resolve) => {
    stack = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => {
      url = `http://127.0.0.1:${info.port}/functions/v1`;
      resolve();
    });
  });
});
afterAll(async () => {
  stack?.close();
  await db?.close();
});

/** Collects events until `until` says stop. */
async function collect(
  events: AsyncIterable<ConversationEvent>,
  until: (seen: ConversationEvent[]) => boolean,
): Promise<ConversationEvent[]> {
  const seen: ConversationEvent[] = [];
  for await (const event of events) {
    seen.push(event);
    if (until(seen)) break;
  }
  return seen;
}

it('follows a handoff live: the visitor asks, an operator answers, across stream ends', async () => {
  const closer = createClient({ url, secretKey });
  const agent = await closer.agents.create({
    name: 'Lumen Books',
    allowedOrigins: ['https://lumen.example'],
    handoff: { enabled: true },
  });
  const browser = createChatClient({
    url,
    publishableKey: agent.publishableKey,
    headers: { origin: 'https://lumen.example' },
  });
  const first = await browser.send({ message: 'Hello' });
  const conversationId = first.conversationId;

  const channel = browser.events(conversationId);
  const messages = collect(channel, (seen) => seen.filter((e) => e.type === 'message').length === 2);
  const asked = await browser.send({ message: 'Can I talk to a human?', conversationId });
  expect(asked.text).toMatch(/colleague to join/);
  const waiting = await closer.conversations.list({ status: 'handoff_requested' });
  expect(waiting.data.map((c) => c.id)).toEqual([conversationId]);

  await closer.conversations.sendMessage(conversationId, { content: 'Hi, Olga here.', displayName: 'Olga' });
  // Longer than a stream lasts: the second message reaches a later connection.
  await new Promise((resolve) => setTimeout(resolve, 900));
  await expect(
    closer.conversations.claim(conversationId, { displayName: 'Someone else' }),
  ).resolves.toMatchObject({ status: 'human' }); // the same key holds it: claiming again changes nothing
  await closer.conversations.sendMessage(conversationId, {
    content: 'What can I do for you?',
    displayName: 'Olga',
  });
  const seen = await messages;

  expect(
    seen.map((e) => (e.type === 'state' ? `state:${e.data.status}` : `${e.type}:${e.data.role}`)),
  ).toEqual(['state:handoff_requested', 'state:human', 'message:operator', 'message:operator']);
  const ids = seen.map((e) => BigInt(e.id!));
  expect([...ids].sort((x, y) => (x < y ? -1 : 1))).toEqual(ids);
  expect(new Set(ids).size).toBe(ids.length);
  expect(channel.lastEventId).toBe(seen.at(-1)!.id);

  // Resuming after the first message gets only the second.
  const resumed = browser.events(conversationId, { lastEventId: seen[2]!.id! });
  const rest = await collect(resumed, () => true);
  expect(rest[0]).toMatchObject({ type: 'message', data: { content: 'What can I do for you?' } });

  // The visitor writes while Olga holds it: stored for her, no reply.
  const held = await browser.send({ message: 'I need a book on Rust', conversationId });
  expect(held.finishReason).toBe('handoff');
  await closer.conversations.release(conversationId);
  const back = await browser.send({ message: 'Hello again', conversationId });
  expect(back.finishReason).toBe('stop');
  await expect(createClient({ url, secretKey }).conversations.close(conversationId)).resolves.toMatchObject({
    status: 'closed',
  });
  await expect(closer.conversations.sendMessage(conversationId, { content: 'Late' })).rejects.toBeInstanceOf(
    ConflictError,
  );
});

it('ends the loop with NotFoundError for a conversation the visitor cannot read, without retrying', async () => {
  const closer = createClient({ url, secretKey });
  const agent = await closer.agents.create({ name: 'Nope Books', allowedOrigins: ['https://nope.example'] });
  const browser = createChatClient({
    url,
    publishableKey: agent.publishableKey,
    headers: { origin: 'https://nope.example' },
  });
  const loop = collect(browser.events(crypto.randomUUID(), { visitorToken: 'vt_forged' }), () => true);
  await expect(loop).rejects.toBeInstanceOf(NotFoundError);
});
