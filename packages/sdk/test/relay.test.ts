// docs/sdk.md's server relay, run against the real local stack: the browser cannot pick the agent nor continue
// another visitor's conversation, and the API itself refuses a visitor token that does not match.
import type { Database } from '@closer/functions/_shared/db/types.ts';
import { createRuntime } from '@closer/functions/_shared/runtime.ts';
import { openDatabase, prepareDatabase } from '@closer/local/src/database.ts';
import { DEMO_AGENT_IDS, ensureDemoKeys } from '@closer/local/src/demoKeys.ts';
import { createLocalApp } from '@closer/local/src/server.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloserError, createClient, NotFoundError, ValidationError } from '../src/index.ts';
import { type RelayedConversation, relayChat, relayChatParams } from '../src/relay.ts';

const AGENT_ID = DEMO_AGENT_IDS[0]!;
const OTHER_AGENT_ID = DEMO_AGENT_IDS[1]!;

let db: Database;
let closer: ReturnType<typeof createClient>;
/** The app's own sessions, keyed here by a header standing in for its session cookie. */
const sessions = new Map<string, RelayedConversation>();

/** The relay route of docs/sdk.md. */
async function relayRoute(request: Request): Promise<Response> {
  const session = request.headers.get('x-session') ?? '';
  try {
    const stream = relayChat(closer.chat, await request.json(), {
      agentId: AGENT_ID,
      conversation: sessions.get(session),
      onConversation: (conversation) => sessions.set(session, conversation),
      signal: request.signal,
    });
    return new Response(stream.toReadableStream(), { headers: { 'content-type': 'text/event-stream' } });
  } catch (error) {
    if (!(error instanceof CloserError)) throw error;
    return Response.json({ error: { code: error.code, message: error.message } }, { status: error.status });
  }
}

async function browserSends(session: string, body: unknown) {
  const response = await relayRoute(
    new Request('https://shop.example/api/chat', {
      method: 'POST',
      headers: { 'x-session': session, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    }),
  );
  const text = await response.text();
  const start = /event: start\ndata: (.*)\n/.exec(text)?.[1];
  return {
    status: response.status,
    text,
    conversationId: start ? (JSON.parse(start) as { conversationId: string }).conversationId : undefined,
  };
}

const messagesOf = async (conversationId: string) =>
  (
    await db.query<{ n: number }>(
      'select count(*)::int as n from public.messages where conversation_id = $1',
      [conversationId],
    )
  )[0]?.n;

beforeAll(async () => {
  db = await openDatabase({ kind: 'memory' });
  await prepareDatabase(db);
  const { secretKey } = await ensureDemoKeys(db, {}, null);
  const app = createLocalApp(createRuntime(db, { CLOSER_OFFLINE_WORD_MS: '0' }));
  closer = createClient({
    url: 'http://stack.local/functions/v1',
    secretKey: secretKey!,
    fetch: async (input, init) => app.fetch(new Request(input, init)),
  });
}, 120_000);
afterAll(async () => db?.close());

describe('the server relay', () => {
  it('starts a conversation with the pinned agent and keeps it in the session', async () => {
    const first = await browserSends('visitor-a', { message: 'How much is a 7 kW system?' });
    expect(first.status).toBe(200);
    expect(first.text).toContain('event: done');
    expect(sessions.get('visitor-a')?.conversationId).toBe(first.conversationId);
    const [row] = await db.query<{ agent_id: string }>('select agent_id from conversations where id = $1', [
      first.conversationId,
    ]);
    expect(row?.agent_id).toBe(AGENT_ID);
    // The next message continues it without the browser naming it.
    const next = await browserSends('visitor-a', { message: 'And financing?' });
    expect(next.conversationId).toBe(first.conversationId);
    expect(await messagesOf(first.conversationId!)).toBe(4);
  });

  it('refuses an agent chosen by the browser', async () => {
    const response = await browserSends('visitor-c', { message: 'Hi', agentId: OTHER_AGENT_ID });
    expect(response.status).toBe(422);
    expect(sessions.has('visitor-c')).toBe(false);
  });

  it("refuses another visitor's conversation, which stays untouched", async () => {
    const theirs = sessions.get('visitor-a')!.conversationId;
    const before = await messagesOf(theirs);
    const response = await browserSends('visitor-b', {
      message: 'What did they say?',
      conversationId: theirs,
    });
    expect(response.status).toBe(404);
    expect(await messagesOf(theirs)).toBe(before);
  });

  it('sends only what the visitor may say', () => {
    expect(() => relayChatParams({ message: 'Hi', model: 'x' }, { agentId: AGENT_ID })).toThrow(
      ValidationError,
    );
    expect(() => relayChatParams('Hi', { agentId: AGENT_ID })).toThrow(ValidationError);
    expect(() =>
      relayChatParams({ message: 'Hi', conversationId: crypto.randomUUID() }, { agentId: AGENT_ID }),
    ).toThrow(NotFoundError);
    const held = { conversationId: crypto.randomUUID(), visitorToken: 'vt_session' };
    expect(
      relayChatParams({ message: 'Hi', visitor: { name: 'Ann' } }, { agentId: AGENT_ID, conversation: held }),
    ).toEqual({
      message: 'Hi',
      visitor: { name: 'Ann' },
      agentId: AGENT_ID,
      conversationId: held.conversationId,
      visitorToken: 'vt_session',
    });
  });

  it("has the API refuse a visitor token that is not the conversation's, even with a secret key", async () => {
    const theirs = sessions.get('visitor-a')!.conversationId;
    const before = await messagesOf(theirs);
    const stream = closer.chat.stream({
      agentId: AGENT_ID,
      conversationId: theirs,
      visitorToken: 'vt_of_some_other_visitor_0000000000',
      message: 'Hi',
    });
    await expect(stream.finalMessage()).rejects.toThrow(NotFoundError);
    expect(await messagesOf(theirs)).toBe(before);
  });
});
