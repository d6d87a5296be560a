// The `supabase` option with a real SupabaseClient, its Auth endpoints answered by msw in their wire format.
import { createClient as createSupabaseClient } from '@supabase/supabase-js';
import { HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createClient } from '../src/index.ts';
import { URL_BASE } from './fixtures.ts';

const SUPABASE_URL = 'https://demo-project.supabase.co';
const user = {
  id: '1b2c3d4e-5f60-4a7b-8c9d-0e1f2a3b4c5d',
  aud: 'authenticated',
  role: 'authenticated',
  email: 'ann@example.com',
};
let issued = 0;
const session = () => ({
  access_token: `access-${++issued}`,
  token_type: 'bearer',
  expires_in: 3600,
  expires_at: Math.floor(Date.now() / 1000) + 3600,
  refresh_token: `refresh-${issued}`,
  user,
});
const seenAuth: (string | null)[] = [];

const server = setupServer(
  http.post(`${SUPABASE_URL}/auth/v1/token`, async ({ request }) => {
    const grant = new URL(request.url).searchParams.get('grant_type');
    const body = (await request.json()) as Record<string, string>;
    if (grant === 'password' && body.password === 'correct horse') return HttpResponse.json(session());
    if (grant === 'refresh_token') return HttpResponse.json(session());
    return HttpResponse.json(
      { code: 400, error_code: 'invalid_credentials', msg: 'Invalid login credentials' },
      { status: 400 },
    );
  }),
  http.post(`${SUPABASE_URL}/auth/v1/logout`, () => new HttpResponse(null, { status: 204 })),
  http.get(`${URL_BASE}/health`, ({ request }) => {
    seenAuth.push(request.headers.get('authorization'));
    return HttpResponse.json({ status: 'ok', version: '0.1.0' });
  }),
);
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterAll(() => server.close());

it("sends the session's token, picks up a refreshed one, and nothing after sign-out", async () => {
  const supabase = createSupabaseClient(SUPABASE_URL, 'sb_publishable_test', {
    auth: { persistSession: false, autoRefreshToken: false },
  });
  const closer = createClient({ url: URL_BASE, supabase });

  await closer.health.check();
  const failed = await supabase.auth.signInWithPassword({ email: 'ann@example.com', password: 'wrong' });
  expect(failed.error?.message).toBe('Invalid login credentials');
  await supabase.auth.signInWithPassword({ email: 'ann@example.com', password: 'correct horse' });
  await closer.health.check();
  await supabase.auth.refreshSession();
  await closer.health.check();
  await supabase.auth.signOut();
  await closer.health.check();

  expect(seenAuth).toEqual([null, 'Bearer access-1', 'Bearer access-2', null]);
});
