// Supabase Auth through @supabase/supabase-js: it keeps the session in localStorage, refreshes it before expiry
// and reads magic-link and password-reset links from the URL; this module turns its answers into AuthFailures.
import {
  type AuthError,
  createClient,
  type Session,
  type SupabaseClientOptions,
} from '@supabase/supabase-js';
import { AuthFailure, type AuthFailureCode, type AuthSession, type PasswordAuth } from './types.ts';

export interface SupabaseAuthOptions {
  url: string;
  anonKey: string;
  /** Where links in e-mails bring the user back to (the console's own URL). */
  redirectTo: string;
  /** Passed to supabase-js (tests give their own storage and fetch). */
  auth?: SupabaseClientOptions<'public'>['auth'];
  fetch?: typeof fetch;
}

const codes: Record<string, AuthFailureCode> = {
  invalid_credentials: 'invalid_credentials',
  invalid_grant: 'invalid_credentials',
  email_not_confirmed: 'email_not_confirmed',
  user_already_exists: 'user_already_exists',
  email_exists: 'user_already_exists',
  weak_password: 'weak_password',
  over_request_rate_limit: 'rate_limited',
  over_email_send_rate_limit: 'rate_limited',
  signup_disabled: 'signup_disabled',
  email_provider_disabled: 'signup_disabled',
  otp_expired: 'link_invalid',
  flow_state_expired: 'link_invalid',
  flow_state_not_found: 'link_invalid',
  bad_code_verifier: 'link_invalid',
  same_password: 'weak_password',
  // A magic link for an address without an account (new accounts are made with a password).
  otp_disabled: 'user_not_found',
  user_not_found: 'user_not_found',
};

/** The failure for a supabase-js error: by its `code`, else by status (429, no answer). */
export function authFailure(error: AuthError): AuthFailure {
  const byCode = error.code ? codes[error.code] : undefined;
  const code: AuthFailureCode =
    byCode ??
    (error.status === 429
      ? 'rate_limited'
      : error.name === 'AuthRetryableFetchError' || error.status === 0
        ? 'network'
        : 'unknown');
  return new AuthFailure(code, error.message);
}

const toSession = (session: Session | null): AuthSession | null =>
  session
    ? {
        user: { id: session.user.id, email: session.user.email ?? '' },
        expiresAt: session.expires_at ?? Math.floor(Date.now() / 1000) + session.expires_in,
      }
    : null;

export function createSupabaseAuth(options: SupabaseAuthOptions): PasswordAuth {
  const supabase = createClient(options.url, options.anonKey, {
    auth: { persistSession: true, autoRefreshToken: true, detectSessionInUrl: true, ...options.auth },
    ...(options.fetch ? { global: { fetch: options.fetch } } : {}),
  });
  const auth = supabase.auth;
  const check = <T extends { error: AuthError | null }>(result: T): T => {
    if (result.error) throw authFailure(result.error);
    return result;
  };
  return {
    kind: 'supabase',
    async start(listener) {
      auth.onAuthStateChange((event, session) => {
        listener(toSession(session), event === 'PASSWORD_RECOVERY' ? 'password_recovery' : undefined);
      });
      // A link in the URL (magic link, password reset) is read during initialisation; one that failed (expired,
      // used) is reported after the session the browser still has.
      const { error } = await auth.initialize();
      const { data } = await auth.getSession();
      listener(toSession(data.session));
      if (error) {
        history.replaceState(history.state, '', location.pathname + location.search);
        throw error.name === 'AuthImplicitGrantRedirectError' ||
          error.name === 'AuthPKCEGrantCodeExchangeError'
          ? new AuthFailure('link_invalid', error.message)
          : authFailure(error);
      }
    },
    async accessToken() {
      const { data } = await auth.getSession();
      return data.session?.access_token ?? null;
    },
    async signOut() {
      // Local scope: this browser only. A failed call still forgets the session here.
      await auth.signOut({ scope: 'local' });
    },
    async signIn(email, password) {
      check(await auth.signInWithPassword({ email, password }));
    },
    async signUp(email, password) {
      const { data } = check(
        await auth.signUp({ email, password, options: { emailRedirectTo: options.redirectTo } }),
      );
      return data.session ? 'signed_in' : 'confirm_email';
    },
    async sendMagicLink(email) {
      check(
        await auth.signInWithOtp({
          email,
          options: { emailRedirectTo: options.redirectTo, shouldCreateUser: false },
        }),
      );
    },
    async sendPasswordReset(email) {
      check(await auth.resetPasswordForEmail(email, { redirectTo: options.redirectTo }));
    },
    async updatePassword(password) {
      check(await auth.updateUser({ password }));
    },
  };
}
