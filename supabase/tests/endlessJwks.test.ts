// Issue 11, kind 1: libraries that read answers themselves get capped answers too. jose fetches the project's JWKS;
// a key-set address answering without end (a real server on 127.0.0.1) is cut off after 64 KiB and the request is
// answered 503 unavailable (the auth server's fault, not the token's), instead of the process reading for as long
// as the server writes.
import { createJwtVerifier } from '@closer/functions/_shared/auth/jwt.ts';
import { ApiError } from '@closer/functions/_shared/http/errors.ts';
import { generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type EndlessServer, startEndlessServer } from './helpers/endlessServer.ts';

let keys: EndlessServer;
beforeAll(async () => {
  keys = await startEndlessServer({ prefix: '{"keys":[', filler: '{"kty":"EC","crv":"P-256"},' });
});
afterAll(() => keys?.close());

it("answers 503 unavailable when the key set never ends (the auth server's fault), having read only its start", async () => {
  const { privateKey } = await generateKeyPair('ES256');
  const token = await new SignJWT({ role: 'authenticated' })
    .setProtectedHeader({ alg: 'ES256', kid: 'key-1' })
    .setSubject(crypto.randomUUID())
    .setAudience('authenticated')
    .setExpirationTime('5m')
    .sign(privateKey);
  const verify = createJwtVerifier({
    jwksUrl: new URL(`${keys.url}/auth/v1/.well-known/jwks.json`),
    audience: 'authenticated',
  });
  const error = await verify(token).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ApiError);
  expect(error).toMatchObject({
    code: 'unavailable',
    message: 'The sign-in keys could not be loaded to check this token; try again shortly',
  });
  await keys.waitForHangUps(1);
  expect(keys.bytesSent).toBeLessThan(64 * 1024 + 12 * 1024 * 1024);
});
