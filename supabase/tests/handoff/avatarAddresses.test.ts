// An operator's avatar is shown to visitors, whose browsers fetch it, on both databases: an address that is not
// public https (this machine, a private or link-local literal, credentials in it, http) is refused with 422
// naming `avatarUrl`, and nothing is stored or sent. Before, `https://[::1]`, `https://localhost`, private
// addresses and `user:password@` were stored and shown to every visitor of the conversation.
import type { ChatReply, ConversationWithMessages } from '@closer/contract';
import type { Database } from '@closer/functions/_shared/db/types.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Api, type Caller, createApi, issuePaths } from '../helpers/api.ts';
import { drivers, migratedDatabase } from '../helpers/databases.ts';
import { createTenant, type TenantFixture } from '../helpers/tenants.ts';

const ORIGIN = 'https://acme.example';

const REFUSED = [
  'https://[::1]/olga.png',
  'https://localhost/olga.png',
  'https://localhost./olga.png',
  'https://cdn.localhost/olga.png',
  'https://127.0.0.1/olga.png',
  'https://2130706433/olga.png',
  'https://10.1.2.3/olga.png',
  'https://192.168.0.10/olga.png',
  'https://169.254.169.254/latest/meta-data',
  'https://[::ffff:192.168.0.1]/olga.png',
  'https://[fe80::1]/olga.png',
  'https://0.0.0.0/olga.png',
  'https://olga:secret@cdn.acme.example/olga.png',
  'http://cdn.acme.example/olga.png',
];

describe.each(drivers)('operator avatar addresses on %s', (driver) => {
  let db: Database;
  let api: Api;
  let a: TenantFixture;
  let server: Caller;

  beforeAll(async () => {
    db = await migratedDatabase(driver);
    a = await createTenant(db, `Avatars${crypto.randomUUID().slice(0, 6)}`, { allowedOrigins: ['*'] });
    await db.query(`update agents set handoff = '{"enabled": true}' where id = $1`, [a.agentId]);
    api = createApi(db);
    server = api.as(a.secretKey);
  });
  afterAll(async () => db?.close());

  async function startConversation(): Promise<string> {
    const first = await api.as(a.publishableKey, { origin: ORIGIN })<ChatReply>('POST', '/chat', {
      message: 'What does it cost?',
    });
    expect(first.status).toBe(200);
    return first.body.conversationId;
  }

  it.each(REFUSED)(
    'refuses the avatar %s on claim, message and typing with 422 naming avatarUrl',
    async (url) => {
      const id = await startConversation();
      const claim = await server('POST', `/conversations/${id}/claim`, {
        displayName: 'Olga',
        avatarUrl: url,
      });
      const message = await server('POST', `/conversations/${id}/messages`, {
        content: 'Hi',
        avatarUrl: url,
      });
      const typing = await server('POST', `/conversations/${id}/typing`, { typing: true, avatarUrl: url });
      for (const refused of [claim, message, typing]) {
        expect(refused.status).toBe(422);
        expect(issuePaths(refused)).toEqual([['avatarUrl']]);
      }
      const after = await server<ConversationWithMessages>('GET', `/conversations/${id}`);
      expect(after.body.handoff?.assignee ?? null).toBeNull();
      expect(after.body.messages.map((m) => m.role)).toEqual(['user', 'assistant']);
      const stored = await db.query(
        `select 1 from messages where conversation_id = $1 and author_avatar_url is not null
       union all select 1 from conversations where id = $1 and assignee_avatar_url is not null`,
        [id],
      );
      expect(stored).toEqual([]);
    },
  );

  it('keeps a public https avatar', async () => {
    const id = await startConversation();
    const claim = await server('POST', `/conversations/${id}/claim`, {
      displayName: 'Olga',
      avatarUrl: 'https://cdn.acme.example/olga.png',
    });
    expect(claim.status).toBe(200);
    const after = await server<ConversationWithMessages>('GET', `/conversations/${id}`);
    expect(after.body.handoff?.assignee).toMatchObject({ avatarUrl: 'https://cdn.acme.example/olga.png' });
  });
});
