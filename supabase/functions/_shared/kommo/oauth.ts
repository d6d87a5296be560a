// Kommo OAuth 2.0: a signed, single-use state bound to the organisation and valid 10 minutes, then the callback
// that exchanges the code and stores the tokens encrypted. Nothing is stored for a refused or replayed state.
import { randomToken, sha256Hex } from '../crypto.ts';
import { withTenant } from '../db/tenant.ts';
import type { Database, Queryable } from '../db/types.ts';
import { sign, verify } from '../secrets/sealed.ts';
import { kommoClient } from './client.ts';
import type { KommoConfig } from './config.ts';
import { exchangeCode, storeTokens } from './tokens.ts';
import { ensureWebhookToken, registerWebhook, webhookUrlFor } from './webhookRegistration.ts';

const STATE_TTL_MS = 10 * 60 * 1000;

interface StatePayload {
  /** organisation */
  o: string;
  /** nonce, stored hashed for single use */
  n: string;
  /** expiry, epoch ms */
  e: number;
}

export async function startOauth(
  tx: Queryable,
  config: KommoConfig,
  orgId: string,
  returnUrl: string | null,
) {
  const nonce = randomToken(24);
  const expires = Date.now() + STATE_TTL_MS;
  await tx.query(
    `insert into public.oauth_states (org_id, nonce_hash, return_url, expires_at) values ($1, $2, $3, $4)`,
    [orgId, sha256Hex(nonce), returnUrl, new Date(expires).toISOString()],
  );
  const state = await sign(config.sealingKeys, { o: orgId, n: nonce, e: expires } satisfies StatePayload);
  const url = new URL(`https://www.${config.baseDomain}/oauth`);
  url.searchParams.set('client_id', config.clientId);
  url.searchParams.set('state', state);
  return url.toString();
}

export interface OauthOutcome {
  ok: boolean;
  message: string;
  /** Where to send the user; null when the state could not be trusted. */
  returnUrl: string | null;
}

/** Handles Kommo's redirect: `?code&state&referer={subdomain}.kommo.com` or `?error=access_denied&state`. */
export async function completeOauth(
  db: Database,
  config: KommoConfig,
  fetcher: typeof fetch,
  query: Record<string, string | undefined>,
): Promise<OauthOutcome> {
  const payload = query.state ? await verify<StatePayload>(config.sealingKeys, query.state) : null;
  if (!payload || typeof payload.o !== 'string' || typeof payload.n !== 'string') {
    return {
      ok: false,
      message: 'The sign-in link is not valid. Start the Kommo connection again.',
      returnUrl: null,
    };
  }
  const claims = { role: 'authenticated' as const, org_id: payload.o };
  // Single use: the state row is spent here whether or not the rest succeeds.
  const [spent] = await withTenant(db, claims, async (tx) =>
    tx.query<{ return_url: string | null }>(
      `update public.oauth_states set used_at = now()
       where nonce_hash = $1 and org_id = $2 and used_at is null and expires_at > now() returning return_url`,
      [sha256Hex(payload.n), payload.o],
    ),
  );
  if (!spent || payload.e < Date.now()) {
    return {
      ok: false,
      message: 'This Kommo sign-in link was already used or has expired. Start again.',
      returnUrl: null,
    };
  }
  const returnUrl = spent.return_url;
  if (query.error) return { ok: false, message: `Kommo did not grant access (${query.error}).`, returnUrl };
  const subdomain = subdomainOf(query.referer, config.baseDomain);
  if (!query.code || !subdomain) {
    return { ok: false, message: 'Kommo did not send a code and an account address.', returnUrl };
  }
  let tokens: Awaited<ReturnType<typeof exchangeCode>>;
  try {
    tokens = await exchangeCode(config, subdomain, query.code, fetcher);
  } catch (error) {
    return { ok: false, message: (error as Error).message, returnUrl };
  }
  const connectionId = await withTenant(db, claims, async (tx) => {
    const [row] = await tx.query<{ id: string }>(
      `insert into public.kommo_connections (org_id, subdomain, base_domain, status)
       values ($1, $2, $3, 'connected')
       on conflict (org_id) do update set subdomain = excluded.subdomain, base_domain = excluded.base_domain,
         status = 'connected', last_error = null
       returning id`,
      [payload.o, subdomain, config.baseDomain],
    );
    await storeTokens(tx, config, row!.id, tokens);
    return row!.id;
  });
  const webhook = await connectWebhook(db, config, fetcher, payload.o, connectionId);
  const message = webhook.registered
    ? `Kommo account ${subdomain} connected.`
    : `Kommo account ${subdomain} connected. Kommo did not accept the webhook (${webhook.reason}); add the webhook URL from the connection page in Kommo's settings to see stage changes.`;
  return { ok: true, message, returnUrl };
}

/** Gives the connection its webhook secret and subscribes the URL in Kommo when the account allows it. */
async function connectWebhook(
  db: Database,
  config: KommoConfig,
  fetcher: typeof fetch,
  orgId: string,
  connectionId: string,
): Promise<{ registered: true } | { registered: false; reason: string }> {
  const claims = { role: 'authenticated' as const, org_id: orgId };
  const token = await withTenant(db, claims, (tx) => ensureWebhookToken(tx, config, connectionId));
  const api = kommoClient({ db, orgId, config, fetch: fetcher });
  const refusal = await registerWebhook(api, webhookUrlFor(config, token));
  await withTenant(db, claims, (tx) =>
    tx.query('update public.kommo_connections set webhook_registered = $2 where id = $1', [
      connectionId,
      refusal === null,
    ]),
  );
  return refusal === null ? { registered: true } : { registered: false, reason: refusal };
}

/** `acme.kommo.com` → `acme`; anything not under the configured domain is refused. */
export function subdomainOf(referer: string | undefined, baseDomain: string): string | null {
  const host =
    (referer ?? '')
      .replace(/^https?:\/\//, '')
      .split('/')[0]
      ?.toLowerCase() ?? '';
  const match = new RegExp(`^([a-z0-9][a-z0-9-]{0,62})\\.${baseDomain.replaceAll('.', '\\.')}$`).exec(host);
  return match?.[1] ?? null;
}
