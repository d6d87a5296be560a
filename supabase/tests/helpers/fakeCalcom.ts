// A stand-in for Cal.com's API v2 on 127.0.0.1, from its documented shapes (cal.com/docs/api-reference/v2):
// `Authorization: Bearer <key>`, a `cal-api-version` per endpoint, `{status: "success", data}` bodies and
// `{status: "error", timestamp, path, error: {code, message}}` errors. Slots come grouped by day in the asked
// time zone with that zone's offset; a booked slot is gone; switches make a slot disappear before a booking
// lands, or answer 5xx with a proxy's HTML page.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export const CALCOM_KEY = 'cal_live_0123456789abcdef0123456789abcdef';
export const EVENT_TYPE = { id: 1207, title: '30 Min Intro Call', slug: 'intro', lengthInMinutes: 30 };

export interface FakeBooking {
  uid: string;
  start: string;
  eventTypeId: number;
  attendee: { name: string; email: string; timeZone: string };
}

/** `2026-12-03T14:00:00.000-05:00` for an instant and a zone, as Cal.com writes slot starts. */
export function withOffset(instant: string, timeZone: string): string {
  const date = new Date(instant);
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    })
      .formatToParts(date)
      .map((p) => [p.type, p.value]),
  );
  const wall = `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}:${parts.second}`;
  const offset = Math.round((Date.parse(`${wall}Z`) - date.getTime()) / 60_000);
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  return `${wall}.000${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

export class FakeCalcom {
  server: Server | null = null;
  url = '';
  /** Free slot starts, UTC ISO 8601. */
  free = new Set<string>();
  bookings: FakeBooking[] = [];
  /** Every request: method, path with query, its cal-api-version. */
  calls: { method: string; path: string; version: string | undefined }[] = [];
  /** Statuses the next requests answer with (an HTML page), first one first. */
  failures: number[] = [];
  /** Slots another visitor takes just before the next booking request lands. */
  takenMeanwhile = new Set<string>();
  /** Fields that replace those of the next booking's answer (odd answers: a title with NUL, a start in words). */
  oddBookingAnswer: Record<string, unknown> = {};
  /** Event types listed after the usual two (odd ones: a title with NUL, a length in words, an id past 2^53). */
  oddEventTypes: Record<string, unknown>[] = [];

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** Free slots every `everyMinutes` from `first` (UTC ISO), `count` of them. */
  offer(first: string, count: number, everyMinutes = 60): string[] {
    const starts = Array.from({ length: count }, (_, i) =>
      new Date(Date.parse(first) + i * everyMinutes * 60_000).toISOString(),
    );
    for (const start of starts) this.free.add(start);
    return starts;
  }

  private takeOddBookingAnswer(): Record<string, unknown> {
    const odd = this.oddBookingAnswer;
    this.oddBookingAnswer = {};
    return odd;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.url);
    const version = req.headers['cal-api-version'] as string | undefined;
    this.calls.push({ method: req.method ?? 'GET', path: `${url.pathname}${url.search}`, version });
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const failure = this.failures.shift();
    if (failure) {
      res.writeHead(failure, { 'content-type': 'text/html' });
      res.end('<html><body><h1>502 Bad Gateway</h1><p>cloudflare</p></body></html>');
      return;
    }
    const error = (status: number, code: string, message: string) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          status: 'error',
          timestamp: new Date().toISOString(),
          path: url.pathname,
          error: { code, message },
        }),
      );
    };
    const success = (status: number, data: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: 'success', data }));
    };
    if (req.headers.authorization !== `Bearer ${CALCOM_KEY}`) {
      return error(401, 'UnauthorizedException', 'Invalid API Key');
    }
    if (req.method === 'GET' && url.pathname === '/v2/event-types') {
      if (version !== '2024-06-14') return error(400, 'BadRequestException', 'cal-api-version');
      return success(200, [
        EVENT_TYPE,
        { id: 1208, title: '60 Min Workshop', slug: 'workshop', lengthInMinutes: 60 },
        ...this.oddEventTypes,
      ]);
    }
    if (req.method === 'GET' && url.pathname === '/v2/slots') {
      if (version !== '2024-09-04') return error(400, 'BadRequestException', 'cal-api-version');
      const zone = url.searchParams.get('timeZone') ?? 'UTC';
      const from = url.searchParams.get('start') ?? '';
      const to = url.searchParams.get('end') ?? '';
      if (Number(url.searchParams.get('eventTypeId')) !== EVENT_TYPE.id) {
        return error(404, 'NotFoundException', 'Event type not found');
      }
      const days: Record<string, { start: string }[]> = {};
      for (const start of [...this.free].sort()) {
        const local = withOffset(start, zone);
        const day = local.slice(0, 10);
        if (day < from || day > to) continue;
        days[day] = [...(days[day] ?? []), { start: local }];
      }
      return success(200, days);
    }
    if (req.method === 'POST' && url.pathname === '/v2/bookings') {
      if (version !== '2024-08-13') return error(400, 'BadRequestException', 'cal-api-version');
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
      const attendee = body.attendee as FakeBooking['attendee'] | undefined;
      if (!attendee?.name || !attendee.email || !attendee.timeZone || body.eventTypeId !== EVENT_TYPE.id) {
        return error(
          400,
          'BadRequestException',
          'attendee name, email and timeZone, and eventTypeId, are required',
        );
      }
      const start = new Date(String(body.start)).toISOString();
      for (const taken of this.takenMeanwhile) this.free.delete(taken);
      this.takenMeanwhile.clear();
      if (!this.free.has(start)) {
        return error(
          400,
          'BadRequestException',
          'User either already has booking at this time or is not available',
        );
      }
      this.free.delete(start);
      const uid = `bk_${this.bookings.length + 1}_${Math.random().toString(36).slice(2, 10)}`;
      this.bookings.push({ uid, start, eventTypeId: EVENT_TYPE.id, attendee });
      return success(201, {
        id: this.bookings.length,
        uid,
        title: `${EVENT_TYPE.title} between Acme and ${attendee.name}`,
        description: '',
        hosts: [
          {
            id: 1,
            name: 'Jane Host',
            email: 'jane@acme.example',
            username: 'jane',
            timeZone: 'Europe/London',
          },
        ],
        status: 'accepted',
        start,
        end: new Date(Date.parse(start) + EVENT_TYPE.lengthInMinutes * 60_000).toISOString(),
        duration: EVENT_TYPE.lengthInMinutes,
        eventTypeId: EVENT_TYPE.id,
        eventType: { id: EVENT_TYPE.id, slug: EVENT_TYPE.slug },
        location: 'https://app.cal.com/video/abc',
        absentHost: false,
        createdAt: new Date().toISOString(),
        updatedAt: null,
        attendees: [{ ...attendee, displayEmail: attendee.email, absent: false }],
        bookingFieldsResponses: body.bookingFieldsResponses ?? {},
        ...this.takeOddBookingAnswer(),
      });
    }
    return error(404, 'NotFoundException', `Cannot ${req.method} ${url.pathname}`);
  }
}
