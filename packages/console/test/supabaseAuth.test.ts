// The console's Supabase Auth module with the real supabase-js against a stand-in of Supabase Auth's HTTP API:
// sign-up (with and without e-mail confirmation), password sign-in, magic link, password reset through a
// recovery link, session refresh, sign-out, and the failures a person must be told about.
import { HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createSupabaseAuth } from '../src/auth/supabaseAuth.ts';
import { AuthFailure, type AuthSession, type PasswordAuth } from '../src/auth/types.ts';
import { ANON_KEY, addUser, type StandIn, SUPABASE_URL, supabaseAuthStandIn } from './supabaseAuthStandIn.ts';

const REDIRECT = 'http://localhost:3000/console/';
let standIn: StandIn;
const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterAll(() => server.close());
beforeEach(() => {
  standIn = supabaseAuthStandIn();
  server.resetHandlers(...standIn.handlers);
  history.replaceState(null, '', '/console/');
});
afterEach(() => server.resetHandlers());

/** A fresh module with its own storage (a new browser profile) and the sessions it reported. */
async function started(): Promise<{ auth: PasswordAuth; seen: (AuthSession | null)[]; events: string[] }> {
  const store = new Map<string, string>();
  const auth = createSupabaseAuth({
    url: SUPABASE_URL,
    anonKey: ANON_KEY,
    redirectTo: REDIRECT,
    auth: {
      autoRefreshToken: false,
      storageKey: `console-test-${crypto.randomUUID()}`,
      storage: {
        getItem: (key) => store.get(key) ?? null,
        setItem: (key, value) => void store.set(key, value),
        removeItem: (key) => void store.delete(key),
      },
    },
  });
  const seen: (AuthSession | null)[] = [];
  const events: string[] = [];
  await auth.start((session, event) => {
    seen.push(session);
    if (event) events.push(event);
  });
  return { auth, seen, events };
}

const failureOf = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error('expected a failure');
    },
    (error: unknown) => {
      expect(error).toBeInstanceOf(AuthFailure);
      return (error as AuthFailure).code;
    },
  );

describe('password sign-in', () => {
  it('signs in with the right password, reports the session and sends its token', async () => {
    addUser(standIn, 'ann@example.com', 'correct horse battery');
    const { auth, seen } = await started();
    expect(seen.at(-1)).toBeNull();
    expect(await auth.accessToken()).toBeNull();
    await auth.signIn('ann@example.com', 'correct horse battery');
    expect(seen.at(-1)?.user.email).toBe('ann@example.com');
    expect(await auth.accessToken()).toBe(standIn.issued[0]);
    expect(standIn.requests[0]).toMatchObject({
      path: '/auth/v1/token?grant_type=password',
      body: { email: 'ann@example.com', password: 'correct horse battery' },
    });
  });

  it('explains a wrong password, in the current error format and the older one', async () => {
    addUser(standIn, 'ann@example.com', 'correct horse battery');
    const { auth } = await started();
    expect(await failureOf(auth.signIn('ann@example.com', 'wrong'))).toBe('invalid_credentials');
    standIn.legacyErrors = true;
    expect(await failureOf(auth.signIn('nobody@example.com', 'x'))).toBe('invalid_credentials');
    expect(await auth.accessToken()).toBeNull();
  });

  it('says the sign-in service is unreachable when the network fails', async () => {
    server.use(http.post(`${SUPABASE_URL}/auth/v1/token`, () => HttpResponse.error()));
    const { auth } = await started();
    expect(await failureOf(auth.signIn('ann@example.com', 'whatever'))).toBe('network');
  });
});

describe('sign-up', () => {
  it('signs the new user in at once when the project does not ask for confirmation', async () => {
    const { auth, seen } = await started();
    expect(await auth.signUp('new@example.com', 'long enough password')).toBe('signed_in');
    expect(seen.at(-1)?.user.email).toBe('new@example.com');
    expect(standIn.requests[0]?.path).toBe(`/auth/v1/signup?redirect_to=${encodeURIComponent(REDIRECT)}`);
  });

  it('asks for the confirmation first when the project wants it, and refuses the password until then', async () => {
    standIn.confirmEmail = true;
    const { auth, seen } = await started();
    expect(await auth.signUp('new@example.com', 'long enough password')).toBe('confirm_email');
    expect(seen.at(-1)).toBeNull();
    expect(await failureOf(auth.signIn('new@example.com', 'long enough password'))).toBe(
      'email_not_confirmed',
    );
  });

  it('refuses a weak password, a taken address and too many e-mails, each by name', async () => {
    addUser(standIn, 'taken@example.com', 'correct horse battery');
    const { auth } = await started();
    expect(await failureOf(auth.signUp('new@example.com', 'short'))).toBe('weak_password');
    expect(await failureOf(auth.signUp('taken@example.com', 'long enough password'))).toBe(
      'user_already_exists',
    );
    standIn.confirmEmail = true;
    standIn.emailRateLimited = true;
    expect(await failureOf(auth.signUp('other@example.com', 'long enough password'))).toBe('rate_limited');
  });
});

describe('magic link and password reset', () => {
  it('sends a magic link back to the console, never creating an account', async () => {
    addUser(standIn, 'ann@example.com', 'correct horse battery');
    const { auth } = await started();
    await auth.sendMagicLink('ann@example.com');
    expect(standIn.requests[0]).toMatchObject({
      path: `/auth/v1/otp?redirect_to=${encodeURIComponent(REDIRECT)}`,
      body: { email: 'ann@example.com', create_user: false },
    });
    expect(await failureOf(auth.sendMagicLink('stranger@example.com'))).toBe('user_not_found');
    standIn.emailRateLimited = true;
    expect(await failureOf(auth.sendMagicLink('ann@example.com'))).toBe('rate_limited');
  });

  it('signs in from a magic link in the address and takes the tokens out of it', async () => {
    addUser(standIn, 'ann@example.com', 'correct horse battery');
    history.replaceState(null, '', `/console/${standIn.linkFragment('ann@example.com', 'magiclink')}`);
    const { auth, seen, events } = await started();
    expect(seen.at(-1)?.user.email).toBe('ann@example.com');
    expect(events).toEqual([]);
    expect(await auth.accessToken()).toBe(standIn.issued[0]);
    expect(location.hash).toBe('');
  });

  it('sends a reset link, then lets the user from the recovery link choose a new password', async () => {
    const ann = addUser(standIn, 'ann@example.com', 'old password 1');
    const first = await started();
    await first.auth.sendPasswordReset('ann@example.com');
    expect(standIn.requests[0]).toMatchObject({
      path: `/auth/v1/recover?redirect_to=${encodeURIComponent(REDIRECT)}`,
      body: { email: 'ann@example.com' },
    });

    history.replaceState(null, '', `/console/${standIn.linkFragment('ann@example.com', 'recovery')}`);
    const { auth, events } = await started();
    await expect.poll(() => events).toEqual(['password_recovery']);
    expect(await failureOf(auth.updatePassword('old password 1'))).toBe('weak_password');
    await auth.updatePassword('new password 2');
    expect(ann.password).toBe('new password 2');
  });

  it('explains an expired or used link and leaves the user signed out', async () => {
    history.replaceState(
      null,
      '',
      '/console/#error=access_denied&error_code=otp_expired&error_description=Email+link+is+invalid+or+has+expired',
    );
    const store = started();
    await expect(store).rejects.toMatchObject({ code: 'link_invalid' });
    expect(location.hash).toBe('');
  });
});

describe('the session over time', () => {
  it('refreshes a token about to expire with the single-use refresh token, then again with the new one', async () => {
    addUser(standIn, 'ann@example.com', 'correct horse battery');
    standIn.expiresIn = 20; // inside supabase-js's refresh margin: every read refreshes
    const { auth, seen } = await started();
    await auth.signIn('ann@example.com', 'correct horse battery');
    expect(await auth.accessToken()).toBe(standIn.issued[1]);
    expect(await auth.accessToken()).toBe(standIn.issued[2]);
    const refreshes = standIn.requests.filter((r) => r.path === '/auth/v1/token?grant_type=refresh_token');
    expect(refreshes.map((r) => r.body)).toEqual([
      { refresh_token: 'refresh-1' },
      { refresh_token: 'refresh-2' },
    ]);
    expect(seen.at(-1)?.user.email).toBe('ann@example.com');
  });

  it('keeps a still valid token when an early refresh is refused, and signs out once the token has expired', async () => {
    const ann = addUser(standIn, 'ann@example.com', 'correct horse battery');
    standIn.expiresIn = 20;
    const early = await started();
    await early.auth.signIn('ann@example.com', 'correct horse battery');
    standIn.users.delete(ann.email); // the user was deleted: the refresh token no longer names anyone
    expect(await early.auth.accessToken()).toBe(standIn.issued[0]);

    standIn.users.set(ann.email, ann);
    standIn.expiresIn = -5; // issued already expired
    const late = await started();
    await late.auth.signIn('ann@example.com', 'correct horse battery');
    standIn.users.delete(ann.email);
    expect(await late.auth.accessToken()).toBeNull();
    expect(late.seen.at(-1)).toBeNull();
  });

  it('signs out of this browser: the server is told, the token is gone', async () => {
    addUser(standIn, 'ann@example.com', 'correct horse battery');
    const { auth, seen } = await started();
    await auth.signIn('ann@example.com', 'correct horse battery');
    await auth.signOut();
    expect(standIn.requests.at(-1)?.path).toBe('/auth/v1/logout?scope=local');
    expect(await auth.accessToken()).toBeNull();
    expect(seen.at(-1)).toBeNull();
  });
});
