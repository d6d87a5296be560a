// Booking in the conversation: up to three free times in the visitor's time zone as buttons (another day on
// request), the booking made with the visitor's email (asked for first when missing), recorded on the lead as
// `meeting` and queued for Kommo. Failures are said plainly: a time taken meanwhile brings the next ones, a
// calendar that cannot be reached brings the call-back offer. Nothing here throws to the engine.
import {
  type AgentHandoff,
  type ChatSuggestion,
  type Lead,
  type LeadMeeting,
  leadFieldsObject,
} from '@closer/contract';
import { countLeadWrite } from '../chat/leadLimit.ts';
import { upsertLead } from '../chat/leads.ts';
import { type TenantClaims, withTenant } from '../db/tenant.ts';
import type { Database, Queryable } from '../db/types.ts';
import type { Env } from '../env.ts';
import { publishLeadEvent } from '../events/leads.ts';
import { handoffOnLeadCaptured } from '../handoff/rules.ts';
import { ApiError } from '../http/errors.ts';
import { queueMeetingSync } from '../kommo/meetingQueue.ts';
import { leadFromRow } from '../resources/conversations.ts';
import { nextDay } from './calcom.ts';
import { bookingSettingsFromEnv, chatBookingClient } from './connection.ts';
import { bookingPhrases, dayIn, knownTimeZone, slotLabel } from './phrases.ts';
import { BookingFailure } from './provider.ts';

/** Times offered at once. */
export const SLOTS_OFFERED = 3;
/** Days looked at for free times from the first day asked for. */
const DAYS_LOOKED_AT = 7;
/** Furthest ahead a visitor or the model may ask for times: no meeting is booked a year out, and 9999-12-31 plus a week is no date Cal.com reads. */
const DAYS_AHEAD_AT_MOST = 365;
/** A slot must start at least this long from now to be offered or booked. */
const NOTICE_MS = 10 * 60_000;

/** What the skill needs of the turn (the chat tools' context gives it). */
export interface BookingTurn {
  db: Database;
  claims: TenantClaims;
  /** `handoff`: the agent's settings, for its rule on a captured lead (absent: no rule). */
  agent: { id: string; orgId: string; name: string; language: string; handoff?: AgentHandoff };
  turn: { conversationId: string };
  /** The visitor's IANA time zone from the chat request; null: UTC, named beside every time. */
  timeZone: string | null;
  env: Env;
  clientAddress: string | null;
  emit: (event: { type: 'lead'; data: { leadId: string; fields: Record<string, string> } }) => void;
  logFailure: (what: string, failure: unknown) => void;
}

/** A reply the skill wrote: its text, its buttons, the lead it saved. `booked`: a meeting was made. */
export interface SkillReply {
  text: string;
  suggestions: ChatSuggestion[];
  lead?: Lead;
  booked?: LeadMeeting;
}

const zoneOf = (turn: BookingTurn) => knownTimeZone(turn.timeZone);

function callBack(turn: BookingTurn, failure: unknown): SkillReply {
  turn.logFailure('booking', failure);
  const p = bookingPhrases(turn.agent.language);
  return {
    text: p.callBack,
    suggestions: [{ label: p.leaveNumber, message: p.leaveNumberMessage, action: { type: 'leave_contact' } }],
  };
}

async function clientFor(turn: BookingTurn) {
  const settings = bookingSettingsFromEnv(turn.env);
  const client = await withTenant(turn.db, turn.claims, (tx) => chatBookingClient(tx, settings));
  if (!client) throw new BookingFailure('refused', 'No booking provider is connected');
  return client;
}

/** Up to three free times from `from` (`YYYY-MM-DD` in the visitor's zone; default today), as buttons. */
export async function offerSlots(turn: BookingTurn, from?: string, lead = ''): Promise<SkillReply> {
  const zone = zoneOf(turn);
  const p = bookingPhrases(turn.agent.language);
  const today = dayIn(new Date(), zone);
  const furthest = dayIn(new Date(Date.now() + DAYS_AHEAD_AT_MOST * 86_400_000), zone);
  const first = from && from > today ? (from < furthest ? from : furthest) : today;
  let last = first;
  for (let i = 1; i < DAYS_LOOKED_AT; i++) last = nextDay(last);
  try {
    const client = await clientFor(turn);
    const soonest = Date.now() + NOTICE_MS;
    const starts = (await client.slots({ from: first, to: last, timeZone: zone }))
      .filter((start) => Date.parse(start) >= soonest)
      .slice(0, SLOTS_OFFERED);
    const later: ChatSuggestion = {
      label: p.anotherDay,
      message: p.anotherDayMessage,
      action: {
        type: 'find_slots',
        from: starts.length ? nextDay(dayIn(starts.at(-1)!, zone)) : nextDay(last),
      },
    };
    if (starts.length === 0)
      return { text: [lead, p.noTimes(zone)].filter(Boolean).join(' '), suggestions: [later] };
    const labels = starts.map((start) => slotLabel(start, zone, turn.agent.language));
    return {
      text: [lead, p.offer(zone, labels)].filter(Boolean).join(' '),
      suggestions: [
        ...starts.map((start, i) => ({
          label: labels[i]!,
          message: `${p.book(labels[i]!)} (${zone})`,
          action: { type: 'book_slot', start },
        })),
        later,
      ],
    };
  } catch (failure) {
    return callBack(turn, failure);
  }
}

interface LeadRow {
  id: string;
  name: string | null;
  email: string | null;
}

/**
 * Books the slot at `start` for the visitor. Without an email (on the lead, given now, or known from the page)
 * the slot waits on the conversation and the email is asked for; the next message with an email books it.
 */
export async function bookSlot(
  turn: BookingTurn,
  start: string,
  given: { email?: string; name?: string } = {},
): Promise<SkillReply> {
  const zone = zoneOf(turn);
  const p = bookingPhrases(turn.agent.language);
  const label = slotLabel(start, zone, turn.agent.language);
  if (!(Date.parse(start) >= Date.now() + NOTICE_MS)) return offerSlots(turn, dayIn(new Date(), zone));
  try {
    const known = await withTenant(turn.db, turn.claims, (tx) =>
      visitorContact(tx, turn.turn.conversationId),
    );
    const email = given.email ?? known.lead?.email ?? known.visitorEmail;
    if (!email) {
      await withTenant(turn.db, turn.claims, (tx) =>
        tx.query('update public.conversations set pending_booking = $2::jsonb where id = $1', [
          turn.turn.conversationId,
          JSON.stringify({ start, timeZone: zone }),
        ]),
      );
      return {
        text: p.askEmail(`${label} (${zone})`),
        suggestions: [
          { label: p.leaveNumber, message: p.leaveNumberMessage, action: { type: 'leave_contact' } },
        ],
      };
    }
    const name = given.name ?? known.lead?.name ?? known.visitorName ?? email.split('@')[0]!;
    const client = await clientFor(turn);
    // A booking is a lead write (it mails the address given and reaches the CRM): counted against the lead
    // limits before the provider is called, so a refused one makes no meeting.
    await withTenant(turn.db, turn.claims, (tx) =>
      countLeadWrite(tx, {
        orgId: turn.agent.orgId,
        agentId: turn.agent.id,
        conversationId: turn.turn.conversationId,
        address: turn.clientAddress,
      }),
    );
    const made = await client.book({
      start,
      attendee: { name, email, timeZone: zone },
      notes: `Booked in the website chat with ${turn.agent.name}`,
    });
    const meeting: LeadMeeting = {
      provider: client.provider,
      bookingId: made.bookingId,
      title: made.title || turn.agent.name,
      start: made.start,
      end: made.end,
      timeZone: zone,
      attendeeEmail: email,
      rescheduleUrl: made.rescheduleUrl,
      cancelUrl: made.cancelUrl,
      bookedAt: new Date().toISOString(),
    };
    // The meeting exists at the provider from here on: the visitor is told so even if recording it fails.
    const lead = await recordMeeting(turn, meeting, known.lead, { email, name: given.name }).catch(
      (failure: unknown) => {
        turn.logFailure('booking record', failure);
        return undefined;
      },
    );
    return {
      text: p.booked({
        title: meeting.title,
        time: `${slotLabel(made.start, zone, turn.agent.language)} (${zone})`,
        email,
        reschedule: meeting.rescheduleUrl,
        cancel: meeting.cancelUrl,
      }),
      suggestions: [],
      ...(lead ? { lead } : {}),
      booked: meeting,
    };
  } catch (failure) {
    // Over a lead limit: the visitor gets the 429 (with Retry-After), not an offer to leave a number.
    if (failure instanceof ApiError && failure.code === 'rate_limited') throw failure;
    if (failure instanceof BookingFailure && failure.kind === 'slot_taken') {
      return offerSlots(turn, dayIn(start, zone), p.taken);
    }
    return callBack(turn, failure);
  }
}

/** The booking that waited for an email, when this message gives one; null otherwise. */
export async function pendingBooking(
  turn: BookingTurn,
  message: string,
): Promise<{ start: string; email: string } | null> {
  const email = emailIn(message);
  if (!email) return null;
  const [row] = await withTenant(turn.db, turn.claims, (tx) =>
    tx.query<{ pending_booking: { start?: unknown } | null }>(
      'select pending_booking from public.conversations where id = $1',
      [turn.turn.conversationId],
    ),
  );
  const start = row?.pending_booking?.start;
  return typeof start === 'string' ? { start, email } : null;
}

/** The first email address in a message, when it is one the lead may hold. */
export function emailIn(message: string): string | null {
  // Tried only where a run of address characters starts (a match inside a run would start earlier anyway), so a
  // long run without `@` is read once, not once for each of its characters.
  const found = message.match(
    /(?<![^\s@<>()[\]"',;:])[^\s@<>()[\]"',;:]+@[^\s@<>()[\]"',;:]+\.[^\s@<>()[\]"',;:.]{2,}/,
  )?.[0];
  if (!found) return null;
  const parsed = leadFieldsObject.shape.email.safeParse(found);
  return parsed.success && parsed.data ? parsed.data : null;
}

async function visitorContact(tx: Queryable, conversationId: string) {
  const [lead] = await tx.query<LeadRow>(
    'select id, name, email from public.leads where conversation_id = $1',
    [conversationId],
  );
  const [conversation] = await tx.query<{ visitor: Record<string, unknown> | null }>(
    'select visitor from public.conversations where id = $1',
    [conversationId],
  );
  const text = (v: unknown) => (typeof v === 'string' && v.trim() ? v.trim() : null);
  return {
    lead: lead ?? null,
    visitorEmail: text(conversation?.visitor?.email),
    visitorName: text(conversation?.visitor?.name),
  };
}

/** The meeting on the lead (made with the email when there is none yet), queued for Kommo; the wait cleared. */
async function recordMeeting(
  turn: BookingTurn,
  meeting: LeadMeeting,
  existing: LeadRow | null,
  fields: { email: string; name: string | undefined },
): Promise<Lead> {
  const { agent } = turn;
  return withTenant(turn.db, turn.claims, async (tx) => {
    let leadId = existing?.id;
    if (!leadId || !existing?.email) {
      const saved = await upsertLead(tx, {
        orgId: agent.orgId,
        agentId: agent.id,
        conversationId: turn.turn.conversationId,
        fields: { email: fields.email, ...(fields.name ? { name: fields.name } : {}) },
        address: turn.clientAddress,
        counted: true, // by bookSlot, before the provider was called
        afterCreated: (tx) => handoffOnLeadCaptured(tx, agent, turn.turn.conversationId),
      });
      leadId = saved.id;
      turn.emit({ type: 'lead', data: { leadId, fields: { email: fields.email } } });
    }
    await tx.query('update public.conversations set pending_booking = null where id = $1', [
      turn.turn.conversationId,
    ]);
    const [row] = await tx.query('update public.leads set meeting = $2::jsonb where id = $1 returning *', [
      leadId,
      JSON.stringify(meeting),
    ]);
    await queueMeetingSync(tx, agent.orgId, leadId, meeting.bookingId);
    await publishLeadEvent(tx, 'meeting.booked', row!);
    return leadFromRow(row!);
  });
}
