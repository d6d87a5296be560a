// A booking provider behind one small interface: Cal.com today (calcom.ts); Google Calendar or Calendly can follow
// by implementing the same four calls.
import type { BookingEventType, BookingProvider } from '@closer/contract';

/** A booking the provider made. */
export interface CreatedBooking {
  /** The provider's id of the booking (Cal.com's `uid`). */
  bookingId: string;
  title: string;
  /** UTC ISO 8601. */
  start: string;
  end: string;
  rescheduleUrl: string;
  cancelUrl: string;
}

export interface BookingAttendee {
  name: string;
  email: string;
  /** IANA time zone the attendee sees the meeting in. */
  timeZone: string;
}

export interface BookingClient {
  provider: BookingProvider;
  /** The event types the key may book. Throws BookingFailure. */
  eventTypes(): Promise<BookingEventType[]>;
  /**
   * Free slot starts (UTC ISO 8601, ascending) of the connected event type on the days `from`..`to`
   * (`YYYY-MM-DD`, both included, in `timeZone`). Throws BookingFailure.
   */
  slots(range: { from: string; to: string; timeZone: string }): Promise<string[]>;
  /** Books the slot starting at `start` (UTC ISO 8601). Throws BookingFailure (`slot_taken` when it is gone). */
  book(request: { start: string; attendee: BookingAttendee; notes?: string }): Promise<CreatedBooking>;
}

/**
 * Why a provider call failed: `unavailable` (network, timeout, 5xx, 429: try later or take a call-back),
 * `slot_taken` (the time is no longer free), `refused` (the key or the event type is wrong: the operator's to fix).
 */
export type BookingFailureKind = 'unavailable' | 'slot_taken' | 'refused';

export class BookingFailure extends Error {
  constructor(
    readonly kind: BookingFailureKind,
    message: string,
    /** The provider's HTTP status, when it answered. */
    readonly status?: number,
  ) {
    super(message);
    this.name = 'BookingFailure';
  }
}
