// Kommo OAuth tokens: exchanged once, stored encrypted, refreshed before expiry or after a 401 — once per
// connection however many requests need it (rotation means a refresh token must never be spent twice). Across
// instances the refresh is a short lease on the connection row, never a row lock held while Kommo answers.
import { storableString } from '@closer/contract';
import * as z from 'zod/mini';
import { withTenant } from '../db/tenant.ts';
import type { Database, Queryable } from '../db/types.ts';
import { ApiError } from '../http/errors.ts';
import { ERROR_BODY_BYTES, readJsonWithin } from '../http/responseBody.ts';
import type { SealedColumns } from '../secrets/resealing.ts';
import { decryptSecret, encryptSecret } from '../secrets/sealed.ts';
import { clipText, sanitizeText } from '../text.ts';
import type { KommoConfig } from './config.ts';

export interface KommoTokens {
  accessToken: string;
  refreshToken: string;
  expiresAt: Date;
}

/**
 * The parts of a token answer Closer uses, as a column holds them. Kommo documents a 24-hour access token: a
 * longer `expires_in` (1e308 once) is read as 24 hours, so the pair is still refreshed in time.
 */
const tokenAnswer = z.looseObject({
  access_token: storableString().check(z.minLength(1), z.maxLength(16_384)),
  refresh_token: storableString().check(z.minLength(1), z.maxLength(16_384)),
  expires_in: z.number().check(z.positive()),
});
const LONGEST_ACCESS_SECONDS = 24 * 60 * 60;

/** Kommo's reason for a refusal as a column and a message hold it. */
const refusalText = (value: unknown) =>
  typeof value === 'string' ? clipText(sanitizeText(value), 500) : undefined;

/** Cap of a token answer or refusal: a token pair is a few KiB (two JWTs); 64 KiB. */
const TOKEN_ANSWER_BYTES = ERROR_BODY_BYTES;

/** Refresh this long before expiry, so a request never starts with a token about to lapse. */
const EARLY_MS = 5 * 60 * 1000;

export const accountUrl = (config: KommoConfig, subdomain: string) =>
  `https://${subdomain}.${config.baseDomain}`;

/** POST /oauth2/access_token; a refusal is an ApiError, with `reauth` when the grant itself was refused. */
async function tokenRequest(
  config: KommoConfig,
  subdomain: string,
  grant:
    | { grant_type: 'authorization_code'; code: string }
    | { grant_type: 'refresh_token'; refresh_token: string },
  fetcher: typeof fetch,
): Promise<KommoTokens> {
  let response: Response;
  let answer: unknown;
  try {
    response = await fetcher(`${accountUrl(config, subdomain)}/oauth2/access_token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        client_id: config.clientId,
        client_secret: config.clientSecret,
        redirect_uri: config.redirectUri,
        ...grant,
      }),
      signal: AbortSignal.timeout(config.requestTimeoutMs),
    });
    if (response.ok) answer = await readJsonWithin<unknown>(response, TOKEN_ANSWER_BYTES);
  } catch (error) {
    const why =
      (error as Error).name === 'TimeoutError'
        ? `no answer within ${config.requestTimeoutMs} ms`
        : (error as Error).message;
    throw new ApiError('upstream_error', `Kommo did not answer the ${grant.grant_type} grant: ${why}`);
  }
  if (!response.ok) {
    // Anything may come back (a gateway's `null`, an HTML page): a refusal without a problem object is its status.
    const body = ((await readJsonWithin(response, TOKEN_ANSWER_BYTES).catch(() => null)) ?? {}) as {
      hint?: unknown;
      detail?: unknown;
      title?: unknown;
    };
    const why =
      refusalText(body.hint) ??
      refusalText(body.detail) ??
      refusalText(body.title) ??
      `HTTP ${response.status}`;
    throw Object.assign(
      new ApiError('upstream_error', `Kommo refused the ${grant.grant_type} grant: ${why}`),
      {
        reauth: response.status === 400 || response.status === 401,
      },
    );
  }
  const usable = z.safeParse(tokenAnswer, answer);
  if (!usable.success) {
    const fields = [...new Set(usable.error.issues.map((issue) => String(issue.path[0] ?? 'body')))];
    throw new ApiError(
      'upstream_error',
      `Kommo answered the ${grant.grant_type} grant without a usable ${fields.join(', ')}`,
    );
  }
  const { access_token, refresh_token, expires_in } = usable.data;
  return {
    accessToken: access_token,
    refreshToken: refresh_token,
    expiresAt: new Date(Date.now() + Math.min(expires_in, LONGEST_ACCESS_SECONDS) * 1000),
  };
}

export const exchangeCode = (config: KommoConfig, subdomain: string, code: string, fetcher: typeof fetch) =>
  tokenRequest(config, subdomain, { grant_type: 'authorization_code', code }, fetcher);

/**
 * Where Kommo's secrets are sealed, each bound to its connection's id: the OAuth pair (here) and the webhook token
 * (webhookRegistration.ts). For rotating CLOSER_ENCRYPTION_KEY (secrets/resealing.ts).
 */
export const SEALED_KOMMO_SECRETS: SealedColumns = {
  table: 'public.kommo_connections',
  columns: ['access_token_enc', 'refresh_token_enc', 'webhook_token_enc'],
  boundTo: (row) => String(row.id),
};

export async function storeTokens(
  tx: Queryable,
  config: KommoConfig,
  connectionId: string,
  tokens: KommoTokens,
) {
  await tx.query(
    // A refresh still in flight elsewhere loses its lease: it must not overwrite this pair with an older grant's.
    `update public.kommo_connections set access_token_enc = $2, refresh_token_enc = $3, expires_at = $4,
       status = 'connected', last_error = null, refresh_lease_token = null, refresh_lease_until = null
     where id = $1`,
    [
      connectionId,
      await encryptSecret(config.sealingKeys, tokens.accessToken, connectionId),
      await encryptSecret(config.sealingKeys, tokens.refreshToken, connectionId),
      tokens.expiresAt.toISOString(),
    ],
  );
}

interface ConnectionRow {
  id: string;
  subdomain: string;
  status: string;
  access_token_enc: string | null;
  refresh_token_enc: string | null;
  expires_at: Date | null;
  last_error: string | null;
  refresh_lease_token: string | null;
}

export interface KommoSession {
  connectionId: string;
  subdomain: string;
  accessToken: string;
}

// One refresh per connection at a time in each instance (one database handle = one instance); the refresh
// lease on the row covers the other instances.
const refreshing = new WeakMap<Database, Map<string, Promise<KommoSession>>>();

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class KommoTokenSource {
  constructor(
    private readonly db: Database,
    private readonly orgId: string,
    private readonly config: KommoConfig,
    private readonly fetcher: typeof fetch,
  ) {}

  private tenant<T>(fn: (tx: Queryable) => Promise<T>) {
    return withTenant(this.db, { role: 'authenticated', org_id: this.orgId }, fn);
  }

  private async session(row: ConnectionRow): Promise<KommoSession> {
    return {
      connectionId: row.id,
      subdomain: row.subdomain,
      accessToken: await decryptSecret(this.config.sealingKeys, row.access_token_enc!, row.id),
    };
  }

  /** A usable access token; refreshed first when it expires within five minutes. */
  async current(): Promise<KommoSession> {
    const [row] = await this.tenant((tx) =>
      tx.query<ConnectionRow>('select * from public.kommo_connections where org_id = $1', [this.orgId]),
    );
    if (!row || row.status === 'disconnected' || !row.access_token_enc) {
      throw new ApiError('conflict', 'Kommo is not connected: connect it first (POST /kommo/oauth/start)');
    }
    if (row.status === 'reauth_required') {
      throw new ApiError(
        'conflict',
        'Kommo needs to be connected again: the stored authorisation was refused',
      );
    }
    if (row.expires_at && row.expires_at.getTime() - Date.now() > EARLY_MS) return this.session(row);
    return this.refresh(row.id, null);
  }

  /** Refreshes unless someone already did since `rejected` (the token Kommo just answered 401 to) was read. */
  refresh(connectionId: string, rejected: string | null): Promise<KommoSession> {
    const inFlight = refreshing.get(this.db) ?? new Map<string, Promise<KommoSession>>();
    refreshing.set(this.db, inFlight);
    let pending = inFlight.get(connectionId);
    if (!pending) {
      pending = this.refreshLeased(connectionId, rejected).finally(() => inFlight.delete(connectionId));
      inFlight.set(connectionId, pending);
    }
    return pending;
  }

  /** The stored token when it is fresh and not the one Kommo refused. */
  private async usable(row: ConnectionRow, rejected: string | null): Promise<KommoSession | null> {
    if (!row.access_token_enc || !row.expires_at || row.expires_at.getTime() - Date.now() <= EARLY_MS) {
      return null;
    }
    const stored = await this.session(row);
    return stored.accessToken === rejected ? null : stored;
  }

  /**
   * Takes the connection's refresh lease (longer than one token call may take), calls Kommo with no
   * transaction open, then stores the new pair only while the lease is still ours. Without the lease, waits for
   * the instance holding it and uses its token.
   */
  private async refreshLeased(connectionId: string, rejected: string | null): Promise<KommoSession> {
    const leaseMs = this.config.requestTimeoutMs * 2 + 1000;
    const until = Date.now() + leaseMs * 3;
    for (let pause = 25; Date.now() < until; pause = Math.min(pause * 2, 1000)) {
      // The lease is decided on the row as locked (a concurrent taker is waited for, then seen).
      const token = crypto.randomUUID();
      const [row] = await this.tenant((tx) =>
        tx.query<ConnectionRow & { leased: boolean }>(
          `update public.kommo_connections set
             refresh_lease_token = case when refresh_lease_until is null or refresh_lease_until < clock_timestamp()
                                        then $3::uuid else refresh_lease_token end,
             refresh_lease_until = case when refresh_lease_until is null or refresh_lease_until < clock_timestamp()
                                        then clock_timestamp() + make_interval(secs => $2::float8 / 1000)
                                        else refresh_lease_until end
           where id = $1
           returning *, refresh_lease_token = $3::uuid as leased`,
          [connectionId, leaseMs, token],
        ),
      );
      if (!row?.refresh_token_enc) throw new ApiError('conflict', 'Kommo is not connected');
      if (row.status === 'reauth_required') {
        throw new ApiError('conflict', `Kommo needs to be connected again: ${row.last_error ?? 'refused'}`);
      }
      // Another instance refreshed since the token was read: its token is ours too.
      const fresh = await this.usable(row, rejected);
      if (fresh) {
        if (row.leased) await this.releaseLease(row);
        return fresh;
      }
      if (row.leased) return this.refreshWithLease(row);
      await sleep(pause);
    }
    throw new ApiError(
      'upstream_error',
      'Kommo tokens are being refreshed elsewhere and it is taking too long',
    );
  }

  private async refreshWithLease(row: ConnectionRow): Promise<KommoSession> {
    const refreshToken = await decryptSecret(this.config.sealingKeys, row.refresh_token_enc!, row.id);
    let tokens: KommoTokens;
    try {
      tokens = await tokenRequest(
        this.config,
        row.subdomain,
        { grant_type: 'refresh_token', refresh_token: refreshToken },
        this.fetcher,
      );
    } catch (error) {
      await this.releaseLease(row, (error as { reauth?: boolean }).reauth ? (error as Error) : undefined);
      throw error;
    }
    // Stored (which also gives the lease back) only while the lease is ours. Lost meanwhile — taken over after
    // it ran out, or the organisation reconnected or disconnected — the stored state stands, and the new
    // access token serves this one request.
    await this.tenant(async (tx) => {
      const [held] = await tx.query(
        `select 1 from public.kommo_connections where id = $1 and refresh_lease_token = $2 for update`,
        [row.id, row.refresh_lease_token],
      );
      if (held) await storeTokens(tx, this.config, row.id, tokens);
    });
    return { connectionId: row.id, subdomain: row.subdomain, accessToken: tokens.accessToken };
  }

  /** Gives the lease back; with `refused`, records in the same statement that the organisation must reconnect. */
  private async releaseLease(row: ConnectionRow, refused?: Error): Promise<void> {
    await this.tenant((tx) =>
      tx.query(
        `update public.kommo_connections set refresh_lease_token = null, refresh_lease_until = null,
           status = case when $3::text is null then status else 'reauth_required' end,
           last_error = coalesce($3, last_error)
         where id = $1 and refresh_lease_token = $2`,
        [row.id, row.refresh_lease_token, refused?.message ?? null],
      ),
    );
  }
}
