// Issue 11, kind 1: Cal.com (or a self-hosted one) answering without end — a real server on 127.0.0.1 — is read up
// to 4 MiB: an `unavailable` BookingFailure, as for any unreadable answer, and the connection is dropped.
import { calcomClient } from '@closer/functions/_shared/booking/calcom.ts';
import { BookingFailure } from '@closer/functions/_shared/booking/provider.ts';
import { afterEach, expect, it } from 'vitest';
import { type EndlessServer, startEndlessServer } from '../helpers/endlessServer.ts';

let server: EndlessServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

it('is an unavailable BookingFailure past 4 MiB, read no further', async () => {
  server = await startEndlessServer({
    prefix: '{"status":"success","data":[',
    filler: '{"id":1,"title":"Intro call","slug":"intro","lengthInMinutes":30},',
  });
  const client = calcomClient({ apiKey: 'cal_live_test', eventTypeId: 1, apiUrl: server.url });
  const error = await client.eventTypes().catch((e: unknown) => e);
  expect(error).toBeInstanceOf(BookingFailure);
  expect(error).toMatchObject({
    kind: 'unavailable',
    message:
      'Cal.com answered the event types with an unreadable body (BodyTooLargeError: the answer is larger than 4 MiB)',
  });
  await server.waitForHangUps(1);
  expect(server.bytesSent).toBeLessThan(4 * 1024 * 1024 + 12 * 1024 * 1024);
});
