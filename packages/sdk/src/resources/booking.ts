// client.booking: the organisation's meeting-booking provider (Cal.com): connect, read, list event types, disconnect.
import { type BookingConnectionInput, bookingConnection, bookingEventTypeList } from '@closer/contract';
import type { Http } from '../core/http.ts';
import type { RequestOptions } from './shared.ts';

export function bookingResource(http: Http) {
  return {
    /** The connection (the API key never comes back); NotFoundError when none is connected. */
    retrieve: (options: RequestOptions = {}) =>
      http.request('GET', '/booking/connection', bookingConnection, options),
    /**
     * Connects Cal.com, or replaces the connection. The key is checked against Cal.com first: a refused key or an
     * event type it cannot book is a ValidationError, Cal.com unreachable an APIError with status 502.
     */
    connect: (body: BookingConnectionInput, options: RequestOptions = {}) =>
      http.request('PUT', '/booking/connection', bookingConnection, { body, ...options }),
    /** The event types the connected key may book, as Cal.com lists them. */
    eventTypes: (options: RequestOptions = {}) =>
      http.request('GET', '/booking/event-types', bookingEventTypeList, options),
    /** Disconnects and deletes the stored key. */
    disconnect: (options: RequestOptions = {}) =>
      http.request('DELETE', '/booking/connection', null, options),
  };
}
