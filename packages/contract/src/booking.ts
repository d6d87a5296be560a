// Meeting booking: the organisation's booking provider (Cal.com), its event types, the meeting on a lead, and the
// standing quick replies an agent offers per script stage.
import * as z from 'zod/mini';
import { int, text, timestamp } from './common.ts';

export const bookingProvider = z.enum(['calcom']);
export type BookingProvider = z.infer<typeof bookingProvider>;

const httpsUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) address' }).check(z.maxLength(300));

/**
 * `PUT /booking/connection`: connects Cal.com with an API key (Settings → Developer → API keys, `cal_live_…`)
 * and the event type visitors book. The key is checked against Cal.com (event types listed) before it is stored,
 * encrypted; it is never shown again.
 */
export const bookingConnectionInput = z.strictObject({
  provider: bookingProvider,
  apiKey: text(8, 300),
  /** The Cal.com event type visitors book (`GET /booking/event-types` lists them). */
  eventTypeId: int(1, 2_147_483_647),
  /** Cal.com's API for a self-hosted instance. @default "https://api.cal.com" */
  apiUrl: z.optional(httpsUrl),
  /** Where the attendee's reschedule and cancel pages live. @default "https://cal.com" */
  bookerUrl: z.optional(httpsUrl),
});
export type BookingConnectionInput = z.input<typeof bookingConnectionInput>;

/** `GET /booking/connection`: the connection as the API shows it; the key itself never leaves the server. */
export const bookingConnection = z.object({
  provider: bookingProvider,
  eventTypeId: z.number(),
  eventTypeTitle: z.nullable(z.string()),
  /** Minutes one meeting lasts. */
  lengthInMinutes: z.nullable(z.number()),
  /** The key's last four characters, to tell keys apart. */
  apiKeyHint: z.string(),
  apiUrl: z.string(),
  bookerUrl: z.string(),
  createdAt: timestamp,
  updatedAt: timestamp,
});
export type BookingConnection = z.infer<typeof bookingConnection>;

/** One Cal.com event type (`GET /booking/event-types`). */
export const bookingEventType = z.object({
  id: z.number(),
  title: z.string(),
  slug: z.string(),
  lengthInMinutes: z.number(),
});
export type BookingEventType = z.infer<typeof bookingEventType>;
export const bookingEventTypeList = z.object({ data: z.array(bookingEventType) });

/** The meeting booked in a conversation, on its lead (`lead.meeting`). */
export const leadMeeting = z.object({
  provider: bookingProvider,
  /** The provider's booking id (Cal.com's `uid`). */
  bookingId: z.string(),
  title: z.string(),
  start: timestamp,
  end: timestamp,
  /** The visitor's time zone the meeting was offered and confirmed in. */
  timeZone: z.string(),
  attendeeEmail: z.string(),
  rescheduleUrl: z.string(),
  cancelUrl: z.string(),
  bookedAt: timestamp,
});
export type LeadMeeting = z.infer<typeof leadMeeting>;

/** A standing quick reply of an agent: a text to send, or an action (`find_slots`: offer meeting times; `leave_contact`: the contact form). */
export const standingSuggestion = z.strictObject({
  label: text(1, 60),
  /** What the button sends; default: the label. */
  message: z.optional(text(1, 500)),
  action: z.optional(z.enum(['find_slots', 'leave_contact'])),
});
export type StandingSuggestion = z.infer<typeof standingSuggestion>;

const stageList = z.optional(z.array(standingSuggestion).check(z.maxLength(4)));

/** An agent's standing quick replies per script stage, shown under each reply in that stage. */
export const stageSuggestions = z.strictObject({
  opening: stageList,
  discovery: stageList,
  presentation: stageList,
  closing: stageList,
  follow_up: stageList,
});
export type StageSuggestions = z.infer<typeof stageSuggestions>;
