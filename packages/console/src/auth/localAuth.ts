// The local stack's sign-in (packages/local, never deployed): a one-time console link (`?local=<code>`) or any
// e-mail is exchanged for a member token; the session is kept in localStorage until it expires.
import { AuthFailure, type AuthSession, type LocalAuth, type SessionListener } from './types.ts';

interface StoredSession extends AuthSession {
  accessToken: string;
}

const KEY = 'closer.console.localSession';
/** Eight hours: a working day without signing in again. */
const SESSION_SECONDS = 8 * 3600;
const now = () => Math.floor(Date.now() / 1000);

function readStored(): StoredSession | null {
  try {
    const session = JSON.parse(localStorage.getItem(KEY) ?? 'null') as StoredSession | null;
    return session && typeof session.accessToken === 'string' && session.expiresAt > now() ? session : null;
  } catch {
    return null;
  }
}

export function createLocalAuth(url: string, fetcher: typeof fetch = (...args) => fetch(...args)): LocalAuth {
  let listener: SessionListener = () => {};
  let current = readStored();

  const keep = (session: StoredSession | null) => {
    current = session;
    try {
      if (session) localStorage.setItem(KEY, JSON.stringify(session));
      else localStorage.removeItem(KEY);
    } catch {}
    listener(session ? { user: session.user, expiresAt: session.expiresAt } : null);
  };

  async function exchange(body: { email: string } | { code: string }) {
    let response: Response;
    try {
      response = await fetcher(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ ...body, expiresIn: SESSION_SECONDS }),
      });
    } catch (error) {
      throw new AuthFailure('network', error instanceof Error ? error.message : String(error));
    }
    const answer = (await response.json().catch(() => null)) as {
      accessToken?: string;
      expiresAt?: number;
      user?: { id: string; email: string };
      error?: { message?: string };
    } | null;
    if (!response.ok || !answer?.accessToken || !answer.user || !answer.expiresAt) {
      const message = answer?.error?.message ?? `Sign-in answered ${response.status}`;
      throw new AuthFailure(response.status === 401 ? 'link_invalid' : 'unknown', message);
    }
    keep({ accessToken: answer.accessToken, expiresAt: answer.expiresAt, user: answer.user });
  }

  return {
    kind: 'local',
    async start(next) {
      listener = next;
      const params = new URLSearchParams(location.search);
      const code = params.get('local');
      if (code !== null) {
        // The link works once: take it out of the address bar and history before anything else.
        params.delete('local');
        const query = params.toString();
        history.replaceState(
          history.state,
          '',
          `${location.pathname}${query ? `?${query}` : ''}${location.hash}`,
        );
        try {
          await exchange({ code });
          return;
        } catch (error) {
          // Signed out (or still signed in with the kept session); the sign-in page explains the link failed.
          listener(current ? { user: current.user, expiresAt: current.expiresAt } : null);
          throw error;
        }
      }
      listener(current ? { user: current.user, expiresAt: current.expiresAt } : null);
    },
    async accessToken() {
      if (current && current.expiresAt <= now()) keep(null);
      return current?.accessToken ?? null;
    },
    async signOut() {
      keep(null);
    },
    signInAs: (email) => exchange({ email }),
  };
}
