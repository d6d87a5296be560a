// The signed-in state the whole console reads: the session, whether it is known yet, and a password-recovery
// visit. `initAuth` picks Supabase Auth or the local stack from the runtime configuration.
import { signal } from '@preact/signals';
import type { ConsoleConfig } from '../config.ts';
import { type Auth, AuthFailure, type AuthSession } from './types.ts';

export const session = signal<AuthSession | null>(null);
/** False until the kept session (and any link in the URL) has been read. */
export const authReady = signal(false);
/** The user arrived from a password-reset link and should choose a new password. */
export const passwordRecovery = signal(false);
/** A sign-in link that did not work (used, expired): shown on the sign-in page. */
export const linkFailure = signal<AuthFailure | null>(null);

let auth: Auth | null = null;

export function currentAuth(): Auth {
  if (!auth) throw new Error('initAuth() has not run');
  return auth;
}

export async function initAuth(config: ConsoleConfig): Promise<Auth> {
  if (config.auth.kind === 'supabase') {
    // Loaded only for Supabase deployments: the local console never downloads supabase-js.
    const { createSupabaseAuth } = await import('./supabaseAuth.ts');
    auth = createSupabaseAuth({
      url: config.auth.url,
      anonKey: config.auth.anonKey,
      redirectTo: new URL(import.meta.env.BASE_URL, location.origin).href,
    });
  } else {
    const { createLocalAuth } = await import('./localAuth.ts');
    auth = createLocalAuth(config.auth.url);
  }
  try {
    await auth.start((next, event) => {
      session.value = next;
      if (event === 'password_recovery') passwordRecovery.value = true;
    });
  } catch (error) {
    linkFailure.value = error instanceof AuthFailure ? error : new AuthFailure('unknown', String(error));
  }
  authReady.value = true;
  return auth;
}

/** The access token for API calls (null when signed out; the session signal follows). */
export const accessToken = () => currentAuth().accessToken();

export async function signOut() {
  await currentAuth()
    .signOut()
    .catch(() => {});
  session.value = null;
}
