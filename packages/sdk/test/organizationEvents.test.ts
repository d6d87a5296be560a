// A signed-in member follows the organisation's live channel (client.conversations.events) and one
// conversation's (client.chat.events, with the member's own bearer token) against the real local stack over real
// sockets, across the server's own stream ends (docs/handoff.md).
import type { OrganizationEvent } from '@closer/contract';
import type { Database } from '@closer/functions/_shared/db/types.ts';
import { createRuntime } from '@closer/functions/_shared/runtime.ts';
import { openDatabase, prepareDatabase } from '@closer/local/src/database.ts';
import { DEMO_ORG_ID, ensureDemoKeys } from '@closer/local/src/demoKeys.ts';
import { DEMO_OWNER, ensureDemoOwner, type LocalSession } from '@closer/local/src/localSignIn.ts';
import { createLocalApp } from '@closer/local/src/server.ts';
import { type ServerType, serve } from '@hono/node-server';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createChatClient } from '../src/chat.ts';
import { createClient, PermissionError } from '../src/index.ts';

let db: Database;
let stack: ServerType;
let origin = '';
let secretKey = '';

beforeAll(async () => {
  db = await openDatabase({ kind: 'memory' });
  await prepareDatabase(db);
  await ensureDemoOwner(db, DEMO_ORG_ID);
  secretKey = (await ensureDemoKeys(db, {}, null)).secretKey!;
  const app = createLocalApp(
    createRuntime(db, {
      CLOSER_EVENTS_STREAM_SECONDS: '0.4',
      CLOSER_JWT_SECRET: 'sdk-organization-events-secret-0123456789',
    }),
  );
  await new Promise<void>((resolve) => {
    stack = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => {
      origin = `http://127.0.0.1:${info.port}`;
      resolve();
    });
  });
}, 120_000);
afterAll(async () => {
  stack?.close();
  await db?.close();
});

async function memberClient() {
  const response = await fetch(`${origin}/local/sign-in`, {
    method: 'POST',
    body: JSON.stringify({ email: DEMO_OWNER.email }),
  });
  const session = (await response.json()) as LocalSession;
  return createClient({ url: `${origin}/functions/v1`, accessToken: session.accessToken });
}

it("brings a member the organisation's events live, across stream ends, and one conversation's with the member's token", async () => {
  const member = await memberClient();
  const agent = await member.agents.create({
    name: 'Lumen Books',
    allowedOrigins: ['https://lumen.example'],
    handoff: { enabled: true },
  });
  const browser = createChatClient({
    url: `${origin}/functions/v1`,
    publishableKey: agent.publishableKey,
    headers: { origin: 'https://lumen.example' },
  });
  // The organisation has no events yet: from the first one ("0"), so nothing depends on when the stream opens.
  let opened = 0;
  const channel = member.conversations.events({ lastEventId: '0', onOpen: () => opened++ });
  const seen: OrganizationEvent[] = [];
  const followed = (async () => {
    for await (const event of channel) {
      seen.push(event);
      if (seen.length === 3) break;
    }
  })();
  const asked = await browser.send({ message: 'Can I talk to a human?' });
  const conversationId = asked.conversationId;
  // Longer than a stream lasts: the operator's message reaches a later connection.
  await new Promise((resolve) => setTimeout(resolve, 900));
  await member.conversations.sendMessage(conversationId, { content: 'Hi, Olga here.', displayName: 'Olga' });
  await followed;

  expect(seen.map((e) => `${e.type}:${e.type === 'state' ? e.data.status : e.data.role}`)).toEqual([
    'state:handoff_requested',
    'state:human',
    'message:operator',
  ]);
  expect(seen.every((e) => e.data.conversationId === conversationId)).toBe(true);
  expect(channel.lastEventId).toBe(seen.at(-1)!.id);
  // Streams end every 0.4 s: each reconnection was told.
  expect(opened).toBeGreaterThanOrEqual(2);

  // The conversation's own channel, read with the member's bearer token: everything from the start.
  const own = [];
  for await (const event of member.chat.events(conversationId)) {
    own.push(event);
    if (own.length === 3) break;
  }
  expect(own.map((e) => e.id)).toEqual(seen.map((e) => e.id));
});

it('refuses the organisation channel to a publishable key without retrying', async () => {
  const closer = createClient({ url: `${origin}/functions/v1`, secretKey });
  const agent = await closer.agents.create({ name: 'Nope Books', allowedOrigins: ['https://nope.example'] });
  const visitor = createClient({ url: `${origin}/functions/v1`, publishableKey: agent.publishableKey });
  const loop = (async () => {
    for await (const _ of visitor.conversations.events()) break;
  })();
  await expect(loop).rejects.toBeInstanceOf(PermissionError);
});
