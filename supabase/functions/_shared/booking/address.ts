// Where Closer may call Cal.com. The organisation chooses the API's address (a self-hosted Cal.com) and its key
// goes with every call, so the address is held to the guard of crawled pages and webhook endpoints: https, no
// credentials, no query or fragment (the API's paths are appended), and only public addresses after DNS —
// checked when connecting and again before every call — unless ALLOW_PRIVATE_BOOKING=true (local development,
// tests, a self-hosted Cal.com on a private network).
import type { Env } from '../env.ts';
import { checkAddress, destinationProblem, type ResolveHost } from '../outbound/addresses.ts';

export const PRIVATE_BOOKING_FLAG = 'ALLOW_PRIVATE_BOOKING';

/** True when ALLOW_PRIVATE_BOOKING is `true`: http, private, loopback and link-local API addresses are allowed. */
export const privateBookingAllowed = (env: Env) => env[PRIVATE_BOOKING_FLAG] === 'true';

/** Why `url` may not be Cal.com's API address, judged without DNS; else null. */
export function apiUrlProblem(url: string, allowPrivate: boolean): string | null {
  const parsed = new URL(url);
  const query = parsed.search || parsed.hash || url.includes('?') || url.includes('#');
  if (query && !parsed.username && !parsed.password) return 'must not hold a query or fragment';
  return destinationProblem(parsed, allowPrivate, PRIVATE_BOOKING_FLAG);
}

/** Throws RefusedUrl unless `url` may be called now: its problem without DNS, then every address it resolves to. */
export async function checkApiAddress(url: URL, resolve: ResolveHost, allowPrivate: boolean): Promise<void> {
  await checkAddress(url, resolve, allowPrivate, PRIVATE_BOOKING_FLAG);
}

/**
 * Why `url` may not be the booker's address, whose reschedule and cancel links visitors are shown and open: a
 * public https address without credentials, query or fragment (the links' paths are appended) — never a private
 * one, whatever ALLOW_PRIVATE_BOOKING says (it is for the API Closer calls, not for visitors' browsers). Else null.
 */
export function bookerUrlProblem(url: string): string | null {
  const parsed = new URL(url);
  if (parsed.protocol !== 'https:') return 'must be an https URL (visitors open its links)';
  const query = parsed.search || parsed.hash || url.includes('?') || url.includes('#');
  if (query && !parsed.username && !parsed.password) return 'must not hold a query or fragment';
  return destinationProblem(parsed, false, PRIVATE_BOOKING_FLAG);
}
