// The organisation's booking connection in Postgres: the API key sealed with CLOSER_ENCRYPTION_KEY (bound to the
// row's id), checked against the provider before it is stored, and opened only on the server to book.
import type { BookingConnection, BookingConnectionInput, BookingEventType } from '@closer/contract';
import type { Queryable, Row } from '../db/types.ts';
import { type Env, millisecondsFrom } from '../env.ts';
import { ApiError, notFound } from '../http/errors.ts';
import { RefusedUrl, type ResolveHost, resolveWithDns } from '../outbound/addresses.ts';
import { iso } from '../resources/time.ts';
import { type SealingKeys, sealingKeysFrom } from '../secrets/encryptionKey.ts';
import type { SealedColumns } from '../secrets/resealing.ts';
import { decryptSecret, encryptSecret } from '../secrets/sealed.ts';
import { clipText } from '../text.ts';
import { apiUrlProblem, bookerUrlProblem, checkApiAddress, privateBookingAllowed } from './address.ts';
import { CALCOM_API_URL, CALCOM_BOOKER_URL, calcomClient } from './calcom.ts';
import { type BookingClient, BookingFailure } from './provider.ts';

export interface BookingSettings {
  /** Seal the provider's API key at rest (CLOSER_ENCRYPTION_KEY, and _PREVIOUS while rotating). */
  sealingKeys: SealingKeys;
  /** Longest wait for one answer of the provider (`BOOKING_REQUEST_TIMEOUT_MS`, default 10 000 ms). */
  timeoutMs: number;
  /** ALLOW_PRIVATE_BOOKING: the API may be on a private address (address.ts). */
  allowPrivate: boolean;
  /** DNS for the address check (default: the system resolver). */
  resolve: ResolveHost;
}

export function bookingSettingsFromEnv(env: Env): BookingSettings {
  if (!env.CLOSER_ENCRYPTION_KEY) {
    throw new ApiError('unavailable', 'Meeting booking is not configured: set CLOSER_ENCRYPTION_KEY');
  }
  return {
    sealingKeys: sealingKeysFrom(env),
    timeoutMs: Math.max(1, millisecondsFrom(env, 'BOOKING_REQUEST_TIMEOUT_MS', 10_000)),
    allowPrivate: privateBookingAllowed(env),
    resolve: resolveWithDns,
  };
}

/** Checked before every call to the provider: a stored address that is no longer allowed is not called. */
const addressGuard = (settings: BookingSettings) => (url: URL) =>
  checkApiAddress(url, settings.resolve, settings.allowPrivate);

/** 422 naming `apiUrl` unless Closer may call it (address.ts), DNS included. */
async function checkApiUrl(apiUrl: string, settings: BookingSettings): Promise<void> {
  const invalid = (message: string) =>
    new ApiError('validation_failed', 'The request is not valid', {
      details: [{ path: ['apiUrl'], message }],
    });
  const problem = apiUrlProblem(apiUrl, settings.allowPrivate);
  if (problem) throw invalid(problem);
  await checkApiAddress(new URL(apiUrl), settings.resolve, settings.allowPrivate).catch(
    (failure: unknown) => {
      throw failure instanceof RefusedUrl ? invalid(failure.message) : failure;
    },
  );
}

const sealedFor = (connectionId: string) => `booking:${connectionId}`;

/** Where the provider's API key is sealed, for rotating CLOSER_ENCRYPTION_KEY (secrets/resealing.ts). */
export const SEALED_BOOKING_KEYS: SealedColumns = {
  table: 'public.booking_connections',
  columns: ['api_key_enc'],
  boundTo: (row) => sealedFor(String(row.id)),
};

function connectionFromRow(row: Row): BookingConnection {
  return {
    provider: row.provider as BookingConnection['provider'],
    eventTypeId: Number(row.event_type_id),
    eventTypeTitle: (row.event_type_title as string | null) ?? null,
    lengthInMinutes: (row.length_in_minutes as number | null) ?? null,
    apiKeyHint: row.api_key_hint as string,
    apiUrl: row.api_url as string,
    bookerUrl: row.booker_url as string,
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
  };
}

export async function readConnection(tx: Queryable): Promise<BookingConnection> {
  const [row] = await tx.query('select * from public.booking_connections');
  if (!row) throw notFound('Booking connection');
  return connectionFromRow(row);
}

/** The provider's answer as the API's: down is 502 `upstream_error`, a refused key 422 naming `apiKey`. */
export function providerError(failure: unknown): ApiError {
  if (failure instanceof BookingFailure && failure.kind === 'refused') {
    return new ApiError('validation_failed', 'The request is not valid', {
      details: [{ path: ['apiKey'], message: `Cal.com refused it (${failure.status ?? 'no status'})` }],
    });
  }
  return new ApiError('upstream_error', 'Cal.com could not be reached; try again shortly');
}

/**
 * Checks the key with the provider, outside any transaction: the event types it may book must include
 * `eventTypeId`. Returns that event type; failures are ApiErrors (422 refused key or event type, 502 down).
 */
export async function checkConnection(
  input: BookingConnectionInput,
  settings: BookingSettings,
  fetcher?: typeof fetch,
): Promise<BookingEventType> {
  const apiUrl = input.apiUrl ?? CALCOM_API_URL;
  const bookerProblem = input.bookerUrl === undefined ? null : bookerUrlProblem(input.bookerUrl);
  if (bookerProblem) {
    throw new ApiError('validation_failed', 'The request is not valid', {
      details: [{ path: ['bookerUrl'], message: bookerProblem }],
    });
  }
  await checkApiUrl(apiUrl, settings);
  const client = calcomClient({
    apiKey: input.apiKey,
    eventTypeId: input.eventTypeId,
    apiUrl,
    timeoutMs: settings.timeoutMs,
    guard: addressGuard(settings),
    ...(fetcher ? { fetch: fetcher } : {}),
  });
  const types = await client.eventTypes().catch((failure: unknown) => {
    throw providerError(failure);
  });
  const chosen = types.find((t) => t.id === input.eventTypeId);
  if (!chosen) {
    throw new ApiError('validation_failed', 'The request is not valid', {
      details: [{ path: ['eventTypeId'], message: 'not an event type of this Cal.com key' }],
    });
  }
  return chosen;
}

/** Stores the checked connection (one per organisation), the key sealed and bound to the row. */
export async function saveConnection(
  tx: Queryable,
  orgId: string,
  input: BookingConnectionInput,
  chosen: BookingEventType,
  settings: BookingSettings,
): Promise<BookingConnection> {
  const apiUrl = input.apiUrl ?? CALCOM_API_URL;
  // The organisation's row is locked first: two saves at once would each find no connection, seal the key to an
  // id of their own, and the upsert keeps the first id, so the stored key would no longer open.
  await tx.query('select id from public.organizations where id = $1 for update', [orgId]);
  const [existing] = await tx.query<{ id: string }>('select id from public.booking_connections');
  const id = existing?.id ?? crypto.randomUUID();
  const sealed = await encryptSecret(settings.sealingKeys, input.apiKey, sealedFor(id));
  const [row] = await tx.query(
    `insert into public.booking_connections (id, org_id, provider, api_key_enc, api_key_hint, event_type_id,
       event_type_title, length_in_minutes, api_url, booker_url)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
     on conflict (org_id) do update set provider = excluded.provider, api_key_enc = excluded.api_key_enc,
       api_key_hint = excluded.api_key_hint, event_type_id = excluded.event_type_id,
       event_type_title = excluded.event_type_title, length_in_minutes = excluded.length_in_minutes,
       api_url = excluded.api_url, booker_url = excluded.booker_url
     returning *`,
    [
      id,
      orgId,
      input.provider,
      sealed,
      input.apiKey.slice(-4),
      input.eventTypeId,
      clipText(chosen.title, 300) || null,
      chosen.lengthInMinutes > 0 && chosen.lengthInMinutes <= 1440 ? chosen.lengthInMinutes : null,
      apiUrl,
      input.bookerUrl ?? CALCOM_BOOKER_URL,
    ],
  );
  return connectionFromRow(row!);
}

export async function deleteConnection(tx: Queryable): Promise<void> {
  const rows = await tx.query('delete from public.booking_connections returning id');
  if (rows.length === 0) throw notFound('Booking connection');
}

/** The connected provider for a chat turn (a visitor's transaction included); null when none is connected. */
export async function chatBookingClient(
  tx: Queryable,
  settings: BookingSettings,
  fetcher?: typeof fetch,
): Promise<(BookingClient & { lengthInMinutes: number | null }) | null> {
  const [row] = await tx.query('select * from public.chat_booking_connection()');
  if (!row) return null;
  const apiKey = await decryptSecret(
    settings.sealingKeys,
    row.api_key_enc as string,
    sealedFor(row.id as string),
  );
  return {
    ...calcomClient({
      apiKey,
      eventTypeId: Number(row.event_type_id),
      apiUrl: row.api_url as string,
      bookerUrl: row.booker_url as string,
      timeoutMs: settings.timeoutMs,
      guard: addressGuard(settings),
      ...(fetcher ? { fetch: fetcher } : {}),
    }),
    lengthInMinutes: (row.length_in_minutes as number | null) ?? null,
  };
}

/** The event types of the stored key (`GET /booking/event-types`); `client` from chatBookingClient. */
export async function connectedEventTypes(client: BookingClient | null): Promise<BookingEventType[]> {
  if (!client) throw notFound('Booking connection');
  return client.eventTypes().catch((failure: unknown) => {
    throw providerError(failure);
  });
}

/** One statement: whether the organisation has a booking connection (sent with the chat's agent lookup). */
export const bookingConnectedStatement = () => ({
  text: 'select exists (select 1 from public.chat_booking_connection()) as connected',
  params: [],
});
