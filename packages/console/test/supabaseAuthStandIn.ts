// A stand-in for Supabase Auth (GoTrue) on msw, answering in its documented wire format: sessions from
// `/token` (password and refresh_token grants, refresh tokens rotated and single-use), `/signup` (a session, or
// the bare user when e-mail confirmation is on), `/otp` and `/recover` (`{}`), `/user`, `/logout` (204), and its
// errors as API version 2024-01-01 sends them (`{ code, message }` with the version header) or, where asked, in
// the older `{ code: <status>, error_code, msg }` shape.
import { HttpResponse, http } from 'msw';

export const SUPABASE_URL = 'https://console-test.supabase.co';
export const ANON_KEY = 'sb_publishable_console_test';

interface StandInUser {
  id: string;
  email: string;
  password: string;
  confirmed: boolean;
}

export interface StandIn {
  handlers: ReturnType<typeof http.post>[];
  users: Map<string, StandInUser>;
  /** Requests as they came: path with query, and the JSON body. */
  requests: { path: string; body: Record<string, unknown> }[];
  /** New sign-ups must confirm their e-mail before they get a session. */
  confirmEmail: boolean;
  /** Seconds a new access token lives. */
  expiresIn: number;
  /** Answer every e-mail sending route with 429 over_email_send_rate_limit. */
  emailRateLimited: boolean;
  /** Answer errors in the pre-2024 shape. */
  legacyErrors: boolean;
  /** Access tokens issued, in order. */
  issued: string[];
  /** The URL fragment a recovery or magic link brings back (implicit flow), with a fresh session for `email`. */
  linkFragment: (email: string, type: 'recovery' | 'magiclink') => string;
}

const VERSION = { 'x-supabase-api-version': '2024-01-01' };

export function supabaseAuthStandIn(): StandIn {
  const state: StandIn = {
    handlers: [],
    users: new Map(),
    requests: [],
    confirmEmail: false,
    expiresIn: 3600,
    emailRateLimited: false,
    legacyErrors: false,
    issued: [],
    linkFragment: () => '',
  };
  const refreshTokens = new Map<string, string>(); // refresh token → user id
  const accessTokens = new Map<string, string>(); // access token → user id
  let counter = 0;

  const fail = (status: number, code: string, message: string) =>
    state.legacyErrors
      ? HttpResponse.json({ code: status, error_code: code, msg: message }, { status })
      : HttpResponse.json({ code, message }, { status, headers: VERSION });
  const userBody = (user: StandInUser) => ({
    id: user.id,
    aud: 'authenticated',
    role: 'authenticated',
    email: user.email,
    email_confirmed_at: user.confirmed ? '2026-12-01T00:00:00Z' : null,
    phone: '',
    confirmation_sent_at: user.confirmed ? undefined : '2026-12-01T00:00:00Z',
    app_metadata: { provider: 'email', providers: ['email'] },
    user_metadata: {},
    identities: [],
    created_at: '2026-12-01T00:00:00Z',
    updated_at: '2026-12-01T00:00:00Z',
    is_anonymous: false,
  });
  const session = (user: StandInUser) => {
    counter += 1;
    const access = `access-${counter}-${user.id}`;
    const refresh = `refresh-${counter}`;
    accessTokens.set(access, user.id);
    refreshTokens.set(refresh, user.id);
    state.issued.push(access);
    return {
      access_token: access,
      token_type: 'bearer',
      expires_in: state.expiresIn,
      expires_at: Math.floor(Date.now() / 1000) + state.expiresIn,
      refresh_token: refresh,
      user: userBody(user),
    };
  };
  const byId = (id: string | undefined) => [...state.users.values()].find((user) => user.id === id);
  const record = async (request: Request) => {
    const url = new URL(request.url);
    const body = (await request
      .clone()
      .json()
      .catch(() => ({}))) as Record<string, unknown>;
    state.requests.push({ path: `${url.pathname}${url.search}`, body });
    return body;
  };
  const bearer = (request: Request) => request.headers.get('authorization')?.replace(/^Bearer /, '') ?? '';

  state.linkFragment = (email, type) => {
    const issued = session(state.users.get(email)!);
    return `#access_token=${issued.access_token}&expires_at=${issued.expires_at}&expires_in=${issued.expires_in}&refresh_token=${issued.refresh_token}&token_type=bearer&type=${type}`;
  };

  state.handlers = [
    http.post(`${SUPABASE_URL}/auth/v1/token`, async ({ request }) => {
      const body = await record(request);
      const grant = new URL(request.url).searchParams.get('grant_type');
      if (grant === 'password') {
        const user = state.users.get(String(body.email).toLowerCase());
        if (!user || user.password !== body.password)
          return fail(400, 'invalid_credentials', 'Invalid login credentials');
        if (!user.confirmed) return fail(400, 'email_not_confirmed', 'Email not confirmed');
        return HttpResponse.json(session(user), { headers: VERSION });
      }
      if (grant === 'refresh_token') {
        const userId = refreshTokens.get(String(body.refresh_token));
        // Rotated: a refresh token is good once.
        refreshTokens.delete(String(body.refresh_token));
        const user = byId(userId);
        if (!user)
          return fail(400, 'refresh_token_not_found', 'Invalid Refresh Token: Refresh Token Not Found');
        return HttpResponse.json(session(user), { headers: VERSION });
      }
      return fail(400, 'validation_failed', 'unsupported_grant_type');
    }),
    http.post(`${SUPABASE_URL}/auth/v1/signup`, async ({ request }) => {
      const body = await record(request);
      const email = String(body.email).toLowerCase();
      if (String(body.password ?? '').length < 8)
        return HttpResponse.json(
          {
            code: 'weak_password',
            message: 'Password should be at least 8 characters.',
            weak_password: { reasons: ['length'] },
          },
          { status: 422, headers: VERSION },
        );
      if (state.users.has(email)) return fail(422, 'user_already_exists', 'User already registered');
      if (state.emailRateLimited && state.confirmEmail)
        return fail(429, 'over_email_send_rate_limit', 'email rate limit exceeded');
      const user = {
        id: crypto.randomUUID(),
        email,
        password: String(body.password),
        confirmed: !state.confirmEmail,
      };
      state.users.set(email, user);
      return HttpResponse.json(state.confirmEmail ? userBody(user) : session(user), { headers: VERSION });
    }),
    http.post(`${SUPABASE_URL}/auth/v1/otp`, async ({ request }) => {
      const body = await record(request);
      if (state.emailRateLimited) return fail(429, 'over_email_send_rate_limit', 'email rate limit exceeded');
      if (body.create_user === false && !state.users.has(String(body.email).toLowerCase()))
        return fail(422, 'otp_disabled', 'Signups not allowed for otp');
      return HttpResponse.json({}, { headers: VERSION });
    }),
    http.post(`${SUPABASE_URL}/auth/v1/recover`, async ({ request }) => {
      await record(request);
      if (state.emailRateLimited) return fail(429, 'over_email_send_rate_limit', 'email rate limit exceeded');
      // Unknown addresses get the same answer: no account enumeration.
      return HttpResponse.json({}, { headers: VERSION });
    }),
    http.get(`${SUPABASE_URL}/auth/v1/user`, ({ request }) => {
      const user = byId(accessTokens.get(bearer(request)));
      if (!user) return fail(403, 'bad_jwt', 'invalid JWT: unable to parse or verify signature');
      return HttpResponse.json(userBody(user), { headers: VERSION });
    }),
    http.put(`${SUPABASE_URL}/auth/v1/user`, async ({ request }) => {
      const body = await record(request);
      const user = byId(accessTokens.get(bearer(request)));
      if (!user) return fail(401, 'no_authorization', 'This endpoint requires a valid Bearer token');
      if (typeof body.password === 'string') {
        if (body.password === user.password)
          return fail(422, 'same_password', 'New password should be different from the old password.');
        user.password = body.password;
      }
      return HttpResponse.json(userBody(user), { headers: VERSION });
    }),
    http.post(`${SUPABASE_URL}/auth/v1/logout`, async ({ request }) => {
      await record(request);
      accessTokens.delete(bearer(request));
      return new HttpResponse(null, { status: 204 });
    }),
  ];
  return state;
}

/** Adds a confirmed user who can sign in with `password`. */
export function addUser(standIn: StandIn, email: string, password: string): StandInUser {
  const user = { id: crypto.randomUUID(), email, password, confirmed: true };
  standIn.users.set(email, user);
  return user;
}
