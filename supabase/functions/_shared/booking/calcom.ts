// Cal.com's public API v2 as a BookingClient. Facts (cal.com/docs/api-reference/v2): base `https://api.cal.com/v2`,
// `Authorization: Bearer <API key>`, a `cal-api-version` header per endpoint; success bodies are
// `{status: "success", data}`, errors `{status: "error", error: {code, message}}`.
//   GET  /v2/event-types  (2024-06-14) → data: [{id, title, slug, lengthInMinutes}]
//   GET  /v2/slots?eventTypeId&start&end&timeZone  (2024-09-04) → data: {"YYYY-MM-DD": [{start}]}, starts with offset
//   POST /v2/bookings {start (UTC), eventTypeId, attendee: {name, email, timeZone}}  (2024-08-13)
//        → data: {uid, title, start, end, status, …}; reschedule/cancel pages are `<booker>/reschedule/<uid>` and
//        `<booker>/booking/<uid>?cancel=true`.
import type { BookingEventType } from '@closer/contract';
import { MiB, readTextWithin } from '../http/responseBody.ts';
import { clipText, sanitizeText } from '../text.ts';
import { type BookingClient, BookingFailure, type CreatedBooking } from './provider.ts';

export const CALCOM_API_URL = 'https://api.cal.com';
export const CALCOM_BOOKER_URL = 'https://cal.com';

const VERSIONS = { eventTypes: '2024-06-14', slots: '2024-09-04', bookings: '2024-08-13' } as const;

export interface CalcomOptions {
  apiKey: string;
  eventTypeId: number;
  /** @default "https://api.cal.com" */
  apiUrl?: string;
  /** @default "https://cal.com" */
  bookerUrl?: string;
  fetch?: typeof fetch;
  /** Longest wait for one answer, body included. @default 10000 */
  timeoutMs?: number;
  /** Run before every request; throws (a RefusedUrl) when the address may not be called now. */
  guard?: (url: URL) => Promise<void>;
}

type Json = Record<string, unknown>;

/**
 * Cap of one Cal.com answer: event types, a few days of slots, one booking or an error are KiBs; 4 MiB leaves
 * room for an account with many event types, and past it the answer is unreadable.
 */
const CALCOM_ANSWER_BYTES = 4 * MiB;

export function calcomClient(options: CalcomOptions): BookingClient {
  const apiUrl = (options.apiUrl ?? CALCOM_API_URL).replace(/(?<!\/)\/+$/, '');
  const bookerUrl = (options.bookerUrl ?? CALCOM_BOOKER_URL).replace(/(?<!\/)\/+$/, '');
  const doFetch = options.fetch ?? fetch;
  const timeoutMs = options.timeoutMs ?? 10_000;

  async function call(method: string, path: string, version: string, body?: Json): Promise<Response> {
    const url = `${apiUrl}${path}`;
    try {
      await options.guard?.(new URL(url));
    } catch (refusal) {
      throw new BookingFailure('unavailable', `Cal.com's address may not be called: ${String(refusal)}`);
    }
    try {
      return await doFetch(url, {
        method,
        // A redirect could lead anywhere, past the address check: Cal.com's API does not redirect.
        redirect: 'manual',
        headers: {
          authorization: `Bearer ${options.apiKey}`,
          'cal-api-version': version,
          ...(body ? { 'content-type': 'application/json' } : {}),
        },
        ...(body ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      throw new BookingFailure('unavailable', `Cal.com did not answer ${method} ${path}: ${String(error)}`);
    }
  }

  /** The `data` of a success; a failure as BookingFailure (the caller decides what a 4xx means). */
  async function dataOf(response: Response, what: string): Promise<unknown> {
    let unread: unknown = null;
    const text = await readTextWithin(response, CALCOM_ANSWER_BYTES).catch((error: unknown) => {
      unread = error;
      return '';
    });
    if (!response.ok) {
      const kind = response.status >= 500 || response.status === 429 ? 'unavailable' : 'refused';
      throw new BookingFailure(
        kind,
        `Cal.com answered ${what} with ${response.status}: ${errorMessage(text)}`,
        response.status,
      );
    }
    try {
      if (unread) throw unread;
      const body = JSON.parse(text) as Json;
      if (body.status !== 'success') throw new Error(`status ${String(body.status)}`);
      return body.data;
    } catch (error) {
      throw new BookingFailure(
        'unavailable',
        `Cal.com answered ${what} with an unreadable body (${String(error)})`,
      );
    }
  }

  async function slots(range: { from: string; to: string; timeZone: string }): Promise<string[]> {
    const query = new URLSearchParams({
      eventTypeId: String(options.eventTypeId),
      start: range.from,
      end: range.to,
      timeZone: range.timeZone,
    });
    const data = await dataOf(await call('GET', `/v2/slots?${query}`, VERSIONS.slots), 'the slots');
    const starts: string[] = [];
    for (const day of Object.values((data ?? {}) as Record<string, unknown>)) {
      if (!Array.isArray(day)) continue;
      for (const slot of day as Json[]) {
        const at = instantOf(slot?.start);
        if (at) starts.push(at);
      }
    }
    return [...new Set(starts)].sort();
  }

  return {
    provider: 'calcom',
    async eventTypes(): Promise<BookingEventType[]> {
      const data = await dataOf(await call('GET', '/v2/event-types', VERSIONS.eventTypes), 'the event types');
      if (!Array.isArray(data))
        throw new BookingFailure('unavailable', 'Cal.com listed no event types array');
      return (data as (Json | null)[]).flatMap((e) =>
        e && isEventTypeId(e.id)
          ? [
              {
                id: e.id,
                title: providerText(e.title, 300),
                slug: providerText(e.slug, 200),
                lengthInMinutes: minutesOf(e.lengthInMinutes),
              },
            ]
          : [],
      );
    },
    slots,
    async book({ start, attendee, notes }): Promise<CreatedBooking> {
      const response = await call('POST', '/v2/bookings', VERSIONS.bookings, {
        start,
        eventTypeId: options.eventTypeId,
        attendee,
        ...(notes ? { bookingFieldsResponses: { notes } } : {}),
      });
      let data: Json;
      try {
        data = (await dataOf(response, 'the booking')) as Json;
      } catch (failure) {
        // A refusal of a time that is no longer free: Cal.com names it in words only, so ask its calendar.
        if (
          failure instanceof BookingFailure &&
          failure.kind === 'refused' &&
          ![401, 403].includes(failure.status ?? 0)
        ) {
          const day = start.slice(0, 10);
          const free = await slots({ from: previousDay(day), to: nextDay(day), timeZone: 'UTC' }).catch(
            () => null,
          );
          if (free && !free.includes(new Date(start).toISOString())) {
            throw new BookingFailure('slot_taken', `The slot ${start} is no longer free`, failure.status);
          }
        }
        throw failure;
      }
      const uid = providerText(data?.uid, 200);
      if (!uid) throw new BookingFailure('unavailable', 'Cal.com answered the booking without a uid');
      // The meeting exists at Cal.com from here on: an odd field of its answer must not lose it.
      const startsAt = instantOf(data.start) ?? new Date(start).toISOString();
      return {
        bookingId: uid,
        title: providerText(data.title, 300),
        start: startsAt,
        end: instantOf(data.end) ?? startsAt,
        rescheduleUrl: `${bookerUrl}/reschedule/${encodeURIComponent(uid)}`,
        cancelUrl: `${bookerUrl}/booking/${encodeURIComponent(uid)}?cancel=true`,
      };
    },
  };
}

/** A text field of Cal.com's answer as a column can hold it: a string without NUL or lone surrogates, clipped. */
const providerText = (value: unknown, max: number) =>
  typeof value === 'string' || typeof value === 'number' ? clipText(sanitizeText(String(value)), max) : '';

/** An event type id a connection can name (bookingConnectionInput's range); others cannot be booked. */
const isEventTypeId = (value: unknown): value is number =>
  Number.isInteger(value) && (value as number) >= 1 && (value as number) <= 2_147_483_647;

/** An event type's length as whole minutes up to a day; 0 when Cal.com's value is not one. */
const minutesOf = (value: unknown) =>
  Number.isInteger(value) && (value as number) >= 1 && (value as number) <= 1440 ? (value as number) : 0;

/** An instant of Cal.com's answer (ISO 8601 with an offset) in UTC; null when it is not one. */
function instantOf(value: unknown): string | null {
  const at = typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(value) ? Date.parse(value) : Number.NaN;
  return Number.isFinite(at) ? new Date(at).toISOString() : null;
}

function errorMessage(text: string): string {
  try {
    const body = JSON.parse(text) as { error?: { message?: unknown } };
    if (typeof body.error?.message === 'string') return clipText(body.error.message, 300);
  } catch {
    // not JSON: an HTML page of a proxy, say; its text is no use to anyone
  }
  return 'no readable error';
}

const shiftDay = (day: string, by: number) =>
  new Date(Date.parse(`${day}T00:00:00Z`) + by * 86_400_000).toISOString().slice(0, 10);
const previousDay = (day: string) => shiftDay(day, -1);
export const nextDay = (day: string) => shiftDay(day, 1);
