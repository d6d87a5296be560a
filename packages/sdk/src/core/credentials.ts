// Where the Bearer credential comes from: a key, a token (or a function giving one), or a SupabaseClient session.

/** The part of a SupabaseClient the SDK uses: the current session's access token. */
export interface SupabaseLike {
  auth: { getSession(): Promise<{ data: { session: { access_token: string } | null } }> };
}

export interface CredentialOptions {
  /** `sk_…`: server-side only (the API refuses it from browsers). */
  secretKey?: string | undefined;
  /** `pk_…`: an agent's publishable key, for browser code that chats. */
  publishableKey?: string | undefined;
  /** A Supabase Auth access token, or a function returning the current one. */
  accessToken?: string | (() => string | Promise<string | null | undefined>) | undefined;
  /** A SupabaseClient: its current session's token is used (refreshed tokens picked up, sign-out honoured). */
  supabase?: SupabaseLike | undefined;
  /** `X-Organization-Id`, for members of several organisations. */
  organizationId?: string | undefined;
}

export type Credential = () => Promise<string | undefined>;

export function resolveCredential(options: CredentialOptions): Credential {
  const given = [options.secretKey, options.publishableKey, options.accessToken, options.supabase].filter(
    (v) => v !== undefined,
  );
  if (given.length > 1) {
    throw new TypeError('Give one credential: secretKey, publishableKey, accessToken or supabase');
  }
  if (options.secretKey !== undefined) {
    if (!options.secretKey.startsWith('sk_')) throw new TypeError('secretKey must start with sk_');
    const key = options.secretKey;
    return async () => key;
  }
  if (options.publishableKey !== undefined) {
    if (!options.publishableKey.startsWith('pk_')) throw new TypeError('publishableKey must start with pk_');
    const key = options.publishableKey;
    return async () => key;
  }
  const token = options.accessToken;
  if (typeof token === 'string') return async () => token;
  if (typeof token === 'function') return async () => (await token()) ?? undefined;
  const supabase = options.supabase;
  if (supabase) {
    // Asked at every request: a refreshed session is used at once, a signed-out one sends nothing.
    return async () => (await supabase.auth.getSession()).data.session?.access_token ?? undefined;
  }
  return async () => undefined;
}
