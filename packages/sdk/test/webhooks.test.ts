// client.webhooks against the real local stack over real sockets: an endpoint made and read, a chat's events
// delivered by the worker to a receiver that verifies with the `standardwebhooks` library, the delivery log
// walked page by page, a rotated secret, disabling and replay, and the errors a caller can `instanceof`.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Database } from '@closer/functions/_shared/db/types.ts';
import { createRuntime } from '@closer/functions/_shared/runtime.ts';
import { runWebhookJobs } from '@closer/functions/_shared/webhooks/worker.ts';
import { openDatabase, prepareDatabase } from '@closer/local/src/database.ts';
import { ensureDemoKeys } from '@closer/local/src/demoKeys.ts';
import { createLocalApp } from '@closer/local/src/server.ts';
import { type ServerType, serve } from '@hono/node-server';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  ConflictError,
  createClient,
  NotFoundError,
  ValidationError,
  type WebhookEvent,
} from '../src/index.ts';

// Signing secrets are sealed at rest: any 32 bytes of base64 will do for a test.
const ENV = { ALLOW_PRIVATE_WEBHOOKS: 'true', CLOSER_ENCRYPTION_KEY: btoa('k'.repeat(32)) };
let db: Database;
let stack: ServerType;
let receiver: Server;
let url = '';
let hookUrl = '';
let secretKey = '';
const received: { headers: Record<string, string>; body: string }[] = [];

beforeAll(async () => {
  receiver = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push({
        headers: request.headers as Record<string, string>,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/closer`;
  db = await openDatabase({ kind: 'memory' });
  await prepareDatabase(db);
  secretKey = (await ensureDemoKeys(db, {}, null)).secretKey!;
  const app = createLocalApp(createRuntime(db, ENV));
  await new Promise<void>((resolve) => {
    stack = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => {
      url = `http://127.0.0.1:${info.port}/functions/v1`;
      resolve();
    });
  });
});
afterAll(async () => {
  stack?.close();
  receiver?.close();
  await db?.close();
});

const deliver = () => runWebhookJobs({ db, env: ENV, fetch: globalThis.fetch, timeoutMs: 2000 });

it('creates an endpoint, receives signed chat events, pages the log, rotates, disables and replays', async () => {
  const closer = createClient({ url, secretKey });
  const endpoint = await closer.webhooks.create({
    url: hookUrl,
    eventTypes: ['conversation.started', 'message.created'],
    description: 'n8n',
  });
  expect(endpoint.secret).toMatch(/^whsec_/);
  expect(await closer.webhooks.retrieve(endpoint.id)).not.toHaveProperty('secret');
  expect((await closer.webhooks.list()).data.map((e) => e.id)).toEqual([endpoint.id]);

  const [agent] = (await closer.agents.list()).data;
  const reply = await closer.chat.send({ agentId: agent!.id, message: 'Do you deliver?' });
  await deliver();
  const events = received.map((r) => new Webhook(endpoint.secret).verify(r.body, r.headers) as WebhookEvent);
  expect(events.map((e) => e.type).sort()).toEqual([
    'conversation.started',
    'message.created',
    'message.created',
  ]);
  expect(events.find((e) => e.type === 'conversation.started')!.data).toMatchObject({
    id: reply.conversationId,
  });

  const pages: string[] = [];
  for await (const delivery of closer.webhooks.deliveries.list(endpoint.id, { limit: 1 })) {
    expect(delivery).toMatchObject({ status: 'succeeded', attempts: 1 });
    expect(delivery.recentAttempts[0]).toMatchObject({ statusCode: 204, succeeded: true });
    pages.push(delivery.eventId);
  }
  expect(new Set(pages)).toEqual(new Set(received.map((r) => r.headers['webhook-id'])));

  const rotated = await closer.webhooks.rotateSecret(endpoint.id, { overlapSeconds: 60 });
  expect(rotated.secret).not.toBe(endpoint.secret);
  expect(rotated.previousSecretExpiresAt).not.toBeNull();

  const off = await closer.webhooks.update(endpoint.id, { enabled: false });
  expect(off).toMatchObject({ enabled: false, disabledReason: 'Disabled by a person' });
  const first = (await closer.webhooks.deliveries.list(endpoint.id)).data.at(-1)!;
  await expect(closer.webhooks.deliveries.replay(endpoint.id, first.id)).rejects.toBeInstanceOf(
    ConflictError,
  );
  await closer.webhooks.update(endpoint.id, { enabled: true });
  expect((await closer.webhooks.deliveries.replay(endpoint.id, first.id)).status).toBe('pending');
  await deliver();
  const again = received.at(-1)!;
  expect(again.headers['webhook-id']).toBe(first.eventId);
  // Signed with both secrets during the overlap.
  expect(new Webhook(rotated.secret).verify(again.body, again.headers)).toMatchObject({
    type: first.eventType,
  });
  expect(new Webhook(endpoint.secret).verify(again.body, again.headers)).toMatchObject({
    type: first.eventType,
  });

  await expect(closer.webhooks.create({ url: hookUrl, eventTypes: [] })).rejects.toBeInstanceOf(
    ValidationError,
  );
  await closer.webhooks.delete(endpoint.id);
  await expect(closer.webhooks.retrieve(endpoint.id)).rejects.toBeInstanceOf(NotFoundError);
});
