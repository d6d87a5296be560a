// Kommo OAuth tokens: exchanged once, stored encrypted, refreshed before expiry or after a 401 — once per
// connection however many requests need it (rotation means a refresh token must never be spent twice).
import { withTenant } from '../db/tenant.ts';
import type { Database, Queryable } from '../db/types.ts';
import { ApiError } from '../http/errors.ts';
import type { KommoConfig } from './config.ts';
import { decryptSecret, encryptSecret } from './secrets.ts';

export interface KommoTokens {
  accessToken: string;
  refreshToken: string;
  expiresAt: Date;
}

interface TokenAnswer {
  access_token: string;
  refresh_token: string;
  expires_in: number;
}

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
  const response = await fetcher(`${accountUrl(config, subdomain)}/oauth2/access_token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      client_id: config.clientId,
      client_secret: config.clientSecret,
      redirect_uri: config.redirectUri,
      ...grant,
    }),
  });
  if (!response.ok) {
    const body = (await response.json().catch(() => ({}))) as {
      hint?: string;
      detail?: string;
      title?: string;
    };
    const why = body.hint ?? body.detail ?? body.title ?? `HTTP ${response.status}`;
    throw Object.assign(
      new ApiError('upstream_error', `Kommo refused the ${grant.grant_type} grant: ${why}`),
      {
        reauth: response.status === 400 || response.status === 401,
      },
    );
  }
  const answer = (await response.json()) as TokenAnswer;
  return {
    accessToken: answer.access_token,
    refreshToken: answer.refresh_token,
    expiresAt: new Date(Date.now() + answer.expires_in * 1000),
  };
}

export const exchangeCode = (config: KommoConfig, subdomain: string, code: string, fetcher: typeof fetch) =>
  tokenRequest(config, subdomain, { grant_type: 'authorization_code', code }, fetcher);

export async function storeTokens(
  tx: Queryable,
  config: KommoConfig,
  connectionId: string,
  tokens: KommoTokens,
) {
  await tx.query(
    `update public.kommo_connections set access_token_enc = $2, refresh_token_enc = $3, expires_at = $4,
       status = 'connected', last_error = null where id = $1`,
    [
      connectionId,
      await encryptSecret(config.encryptionKey, tokens.accessToken, connectionId),
      await encryptSecret(config.encryptionKey, tokens.refreshToken, connectionId),
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
}

export interface KommoSession {
  connectionId: string;
  subdomain: string;
  accessToken: string;
}

// One refresh per connection at a time in this instance; the row lock below covers other instances.
const refreshing = new Map<string, Promise<KommoSession>>();

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
      accessToken: await decryptSecret(this.config.encryptionKey, row.access_token_enc!, row.id),
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
    let pending = refreshing.get(connectionId);
    if (!pending) {
      pending = this.refreshLocked(connectionId, rejected).finally(() => refreshing.delete(connectionId));
      refreshing.set(connectionId, pending);
    }
    return pending;
  }

  private async refreshLocked(connectionId: string, rejected: string | null): Promise<KommoSession> {
    const outcome = await this.tenant(async (tx): Promise<KommoSession | { refused: Error }> => {
      const [row] = await tx.query<ConnectionRow>(
        'select * from public.kommo_connections where id = $1 for update',
        [connectionId],
      );
      if (!row?.refresh_token_enc) throw new ApiError('conflict', 'Kommo is not connected');
      const stored = await this.session(row);
      const fresh = row.expires_at && row.expires_at.getTime() - Date.now() > EARLY_MS;
      // Another instance refreshed while we waited for the lock: its token is ours too.
      if (fresh && stored.accessToken !== rejected) return stored;
      const refreshToken = await decryptSecret(this.config.encryptionKey, row.refresh_token_enc, row.id);
      try {
        const tokens = await tokenRequest(
          this.config,
          row.subdomain,
          { grant_type: 'refresh_token', refresh_token: refreshToken },
          this.fetcher,
        );
        await storeTokens(tx, this.config, row.id, tokens);
        return { connectionId: row.id, subdomain: row.subdomain, accessToken: tokens.accessToken };
      } catch (error) {
        if ((error as { reauth?: boolean }).reauth) return { refused: error as Error };
        throw error;
      }
    });
    if ('refused' in outcome) {
      // Recorded in a transaction of its own: it must outlive the failure it reports.
      await this.tenant((tx) =>
        tx.query(
          `update public.kommo_connections set status = 'reauth_required', last_error = $2 where id = $1`,
          [connectionId, outcome.refused.message],
        ),
      );
      throw outcome.refused;
    }
    return outcome;
  }
}
