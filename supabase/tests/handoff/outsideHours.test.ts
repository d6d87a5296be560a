// A visitor asking for a person outside the agent's business hours is told so plainly, with the hours, and offered
// the lead form; the conversation goes back to the agent or waits for a person as configured. Offline responder,
// both database drivers (docs/handoff.md#business-hours).
import type { AgentHandoff, ConversationWithMessages } from '@closer/contract';
import type { Database } from '@closer/functions/_shared/db/types.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Api, createApi } from '../helpers/api.ts';
import { drivers, migratedDatabase } from '../helpers/databases.ts';
import { readSse, text } from '../helpers/sse.ts';
import { createTenant, type TenantFixture } from '../helpers/tenants.ts';

const ORIGIN = 'https://acme.example';
const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
/** Open all day every day but today (UTC), and today a holiday: closed now whatever the hour the test runs. */
const closedToday = () => {
  const today = new Date().getUTCDay();
  return {
    timeZone: 'UTC',
    weekly: Object.fromEntries(DAYS.filter((_, i) => i !== today).map((d) => [d, ['00:00-24:00']])),
    holidays: [new Date().toISOString().slice(0, 10)],
  };
};

describe.each(drivers)('a request for a person outside business hours on %s', (driver) => {
  let db: Database;
  let api: Api;
  let a: TenantFixture;

  beforeAll(async () => {
    db = await migratedDatabase(driver);
    a = await createTenant(db, 'Acme');
    api = createApi(db);
  });
  afterAll(async () => db?.close());

  async function useSettings(handoff: Partial<AgentHandoff>) {
    const patched = await api.as(a.secretKey)('PATCH', `/agents/${a.agentId}`, {
      handoff: { enabled: true, ...handoff },
    });
    expect(patched.status).toBe(200);
  }

  async function askForPerson() {
    const response = await api.fetch('/chat', {
      method: 'POST',
      headers: {
        authorization: `Bearer ${a.publishableKey}`,
        origin: ORIGIN,
        accept: 'text/event-stream',
        'content-type': 'application/json',
      },
      body: JSON.stringify({ message: 'Can I talk to a human?' }),
    });
    expect(response.status).toBe(200);
    const { events } = await readSse(response);
    const start = events.find((e) => e.event === 'start')!.data as { conversationId: string };
    const suggestions = events.find((e) => e.event === 'suggestions')?.data.suggestions;
    const conversation = await api.as(a.secretKey)<ConversationWithMessages>(
      'GET',
      `/conversations/${start.conversationId}`,
    );
    return { reply: text(events), suggestions, conversation: conversation.body };
  }

  it('tells the visitor the team is offline with the hours, offers the lead form, and resumes the agent', async () => {
    await useSettings({ hours: closedToday(), whenUnanswered: 'resume' });
    const { reply, suggestions, conversation } = await askForPerson();
    expect(reply).toMatch(/^Our team is offline now \(hours: .*00:00–24:00 \(UTC\)\)\. Leave your contact/);
    expect(reply).not.toMatch(/colleague/);
    expect(suggestions).toEqual([
      { label: 'Leave my number', message: 'Please call me back', action: { type: 'leave_contact' } },
    ]);
    expect(conversation.status).toBe('active');
    expect(conversation.handoff).toBeNull();
    expect(conversation.messages.at(-1)?.content).toBe(reply);
  });

  it('leaves the request waiting for a person when the agent is to stay silent', async () => {
    await useSettings({ hours: closedToday(), whenUnanswered: 'silent' });
    const { reply, suggestions, conversation } = await askForPerson();
    expect(reply).toMatch(/^Our team is offline now/);
    expect(suggestions).toEqual([expect.objectContaining({ action: { type: 'leave_contact' } })]);
    expect(conversation.status).toBe('handoff_requested');
    expect(conversation.handoff?.reason).toBe('the visitor asked for a person');
  });

  it('hands over as before inside the hours', async () => {
    await useSettings({
      hours: {
        timeZone: 'Asia/Tokyo',
        weekly: Object.fromEntries(DAYS.map((d) => [d, ['00:00-24:00']])),
        holidays: [],
      },
    });
    const { reply, suggestions, conversation } = await askForPerson();
    expect(reply).toMatch(/colleague to join/);
    expect(suggestions).toBeUndefined();
    expect(conversation.status).toBe('handoff_requested');
  });

  it('answers in the agent’s language', async () => {
    await db.query(`update agents set language = 'ru' where id = $1`, [a.agentId]);
    await useSettings({ hours: closedToday() });
    const response = await api.fetch('/chat', {
      method: 'POST',
      headers: {
        authorization: `Bearer ${a.publishableKey}`,
        origin: ORIGIN,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ message: 'Позовите оператора' }),
    });
    const body = (await response.json()) as { message: { content: string } };
    expect(body.message.content).toMatch(/^Сейчас наша команда не на связи \(часы работы: .*\(UTC\)\)/);
    await db.query(`update agents set language = 'en' where id = $1`, [a.agentId]);
  });
});
