// Meetings a visitor books reach Cal.com (a confirmation mailed to the address given) and the CRM: each booking is
// a lead write and counts against the agent's lead limits (per conversation, per client address, per agent),
// checked before Cal.com is called. Before, a visitor whose lead already had an email could book slot after
// slot in one conversation, each a real booking, held only by the per-minute message limits.
import type { Database } from '@closer/functions/_shared/db/types.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApi } from '../helpers/api.ts';
import { drivers, migratedDatabase } from '../helpers/databases.ts';
import { CALCOM_KEY, EVENT_TYPE, FakeCalcom } from '../helpers/fakeCalcom.ts';
import { KOMMO_ENV } from '../helpers/fakeKommo.ts';
import { readSse, text } from '../helpers/sse.ts';
import { createTenant } from '../helpers/tenants.ts';

const ORIGIN = 'https://acme.example';
const ENV = { CLOSER_ENCRYPTION_KEY: KOMMO_ENV.CLOSER_ENCRYPTION_KEY, ALLOW_PRIVATE_BOOKING: 'true' };
const tomorrowAt = (hour: number) => {
  const day = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
  return `${day}T${String(hour).padStart(2, '0')}:00:00.000Z`;
};

describe.each(drivers)('booking limits on %s', (driver) => {
  let db: Database;
  const calcom = new FakeCalcom();
  beforeAll(async () => {
    await calcom.start();
    db = await migratedDatabase(driver);
  });
  afterAll(async () => {
    await db?.close();
    await calcom.stop();
  });

  let tenants = 0;
  async function bookingAgent(limits: Record<string, number>, address: string) {
    const tenant = await createTenant(db, `Booked${++tenants}`, { allowedOrigins: ['*'] });
    await db.query('update agents set rate_limits = $2::jsonb where id = $1', [
      tenant.agentId,
      JSON.stringify({ visitorPerMinute: 100, ipPerMinute: 100, ...limits }),
    ]);
    const api = createApi(db, ENV, { clientAddress: address });
    const connected = await api.as(tenant.secretKey)('PUT', '/booking/connection', {
      provider: 'calcom',
      apiUrl: calcom.url,
      bookerUrl: 'https://cal.example',
      apiKey: CALCOM_KEY,
      eventTypeId: EVENT_TYPE.id,
    });
    expect(connected.status).toBe(200);
    const book = async (start: string, conversation?: { id: string; token: string }) => {
      const response = await api.fetch('/chat', {
        method: 'POST',
        headers: {
          authorization: `Bearer ${tenant.publishableKey}`,
          origin: ORIGIN,
          accept: 'text/event-stream',
          'content-type': 'application/json',
          ...(conversation ? { 'x-visitor-token': conversation.token } : {}),
        },
        body: JSON.stringify({
          message: 'Book it',
          action: { type: 'book_slot', start },
          timeZone: 'UTC',
          visitor: { email: 'victim@mail.example', name: 'Victim' },
          ...(conversation ? { conversationId: conversation.id } : {}),
        }),
      });
      const { events } = await readSse(response);
      const started = events.find((e) => e.event === 'start')?.data as
        | { conversationId: string; visitorToken?: string }
        | undefined;
      const error = events.find((e) => e.event === 'error')?.data as
        | { code: string; retryAfter?: number }
        | undefined;
      return { status: response.status, reply: text(events), started, error };
    };
    return { tenant, book };
  }

  it('books at most leadsPerConversationPerHour meetings in one conversation, refusing before Cal.com', async () => {
    const { book } = await bookingAgent({ leadsPerConversationPerHour: 2 }, '198.51.100.61');
    const starts = calcom.offer(tomorrowAt(9), 5);
    const before = calcom.bookings.length;
    const first = await book(starts[0]!);
    const conversation = { id: first.started!.conversationId, token: first.started!.visitorToken! };
    const rest = [];
    for (const start of starts.slice(1)) rest.push(await book(start, conversation));
    expect(calcom.bookings.length - before).toBe(2);
    expect(calcom.bookings.slice(before).map((b) => b.start)).toEqual(starts.slice(0, 2));
    // Refused: the visitor gets rate_limited with a retry wait, nothing is recorded, and the slot stays free.
    expect(rest.map((r) => r.error?.code ?? 'booked')).toEqual([
      'booked',
      'rate_limited',
      'rate_limited',
      'rate_limited',
    ]);
    expect(rest.at(-1)!.error!.retryAfter).toBeGreaterThanOrEqual(1);
    expect(rest.at(-1)!.reply).not.toContain('https://cal.example/reschedule/');
    expect(calcom.free.has(starts[4]!)).toBe(true);
    const [lead] = await db.query<{ start: string }>(
      `select meeting->>'start' as start from leads where conversation_id = $1`,
      [conversation.id],
    );
    expect(lead?.start).toBe(starts[1]);
  });

  it('books at most leadsPerAddressPerHour meetings from one address across conversations', async () => {
    const { book } = await bookingAgent({ leadsPerAddressPerHour: 2 }, '198.51.100.62');
    const starts = calcom.offer(tomorrowAt(15), 4);
    const before = calcom.bookings.length;
    for (const start of starts) await book(start);
    expect(calcom.bookings.length - before).toBe(2);
  });
});
