// The sealing shared by Kommo's tokens and webhook signing secrets (_shared/secrets/sealed.ts): values sealed
// before it moved out of the Kommo module still open, and a sealed value opens only where it is bound.
import {
  encryptionKeyFrom,
  requireEncryptionKey,
  sealingKeysFrom,
} from '@closer/functions/_shared/secrets/encryptionKey.ts';
import {
  decryptSecret,
  encryptSecret,
  resealSecret,
  sign,
  verify,
} from '@closer/functions/_shared/secrets/sealed.ts';
import { describe, expect, it } from 'vitest';
import { TEST_ENCRYPTION_KEY, TEST_SEALING_KEYS } from '../helpers/encryptionKey.ts';

// Made by `encryptSecret` of supabase/functions/_shared/kommo/secrets.ts (commit e3f08e2), before the move.
const CONNECTION_ID = '3f6c1a52-9d0e-4c1b-8e2a-5b7d9c0f1e23';
const OTHER_KEY = new Uint8Array(32).fill(9);
const b64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));
const SEALED_BEFORE_THE_MOVE =
  'v1.sENDK6YghQUty8rS.UlNSWw-yKI8DD3hqRDzFJsSYkZBoeYwOimykOEjTO0zdN9SkBx0sPMc1eQPT2OV77VU';

describe('sealed secrets', () => {
  it('open a Kommo token sealed before the helpers moved out of the Kommo module', async () => {
    expect(await decryptSecret(TEST_SEALING_KEYS, SEALED_BEFORE_THE_MOVE, CONNECTION_ID)).toBe(
      'kommo-access-token-before-the-move',
    );
  });

  it('open only with the same key and binding, and not once altered', async () => {
    const sealed = await encryptSecret(TEST_SEALING_KEYS, 'whsec_abc', 'webhook-secret:e1:s1');
    expect(sealed).toMatch(/^v1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+$/);
    expect(sealed).not.toContain('whsec_');
    expect(await decryptSecret(TEST_SEALING_KEYS, sealed, 'webhook-secret:e1:s1')).toBe('whsec_abc');
    await expect(decryptSecret(TEST_SEALING_KEYS, sealed, 'webhook-secret:e2:s1')).rejects.toThrow();
    await expect(
      decryptSecret({ current: OTHER_KEY, previous: [] }, sealed, 'webhook-secret:e1:s1'),
    ).rejects.toThrow();
    const [version, iv, data] = sealed.split('.');
    const flipped = `${version}.${iv}.${data!.startsWith('A') ? 'B' : 'A'}${data!.slice(1)}`;
    await expect(decryptSecret(TEST_SEALING_KEYS, flipped, 'webhook-secret:e1:s1')).rejects.toThrow();
    await expect(decryptSecret(TEST_SEALING_KEYS, 'whsec_abc', 'x')).rejects.toThrow('not a sealed secret');
  });

  it('read CLOSER_ENCRYPTION_KEY, naming it in every refusal', () => {
    expect(requireEncryptionKey({ CLOSER_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY }, 'x')).toEqual(
      TEST_SEALING_KEYS,
    );
    expect(() => requireEncryptionKey({}, 'Webhook signing secrets are encrypted at rest')).toThrow(
      'Webhook signing secrets are encrypted at rest: set CLOSER_ENCRYPTION_KEY (openssl rand -base64 32)',
    );
    expect(() => requireEncryptionKey({ CLOSER_ENCRYPTION_KEY: '  ' }, 'x')).toThrow(/CLOSER_ENCRYPTION_KEY/);
    expect(() => encryptionKeyFrom('not base64!')).toThrow('CLOSER_ENCRYPTION_KEY must be base64');
    expect(() => encryptionKeyFrom(btoa('16 bytes only!!!'))).toThrow('not 16');
  });

  it('rotate: what the previous key sealed or signed still opens, and resealing moves it to the new key', async () => {
    const before = await encryptSecret(TEST_SEALING_KEYS, 'kommo-refresh', 'c1');
    const state = await sign(TEST_SEALING_KEYS, { o: 'org-1' });
    const rotated = sealingKeysFrom({
      CLOSER_ENCRYPTION_KEY: b64(OTHER_KEY),
      CLOSER_ENCRYPTION_KEY_PREVIOUS: ` ${TEST_ENCRYPTION_KEY} `,
    });
    expect(rotated).toEqual({ current: OTHER_KEY, previous: [TEST_SEALING_KEYS.current] });
    expect(await decryptSecret(rotated, before, 'c1')).toBe('kommo-refresh');
    expect(await verify(rotated, state)).toEqual({ o: 'org-1' });

    const resealed = await resealSecret(rotated, before, 'c1');
    const newKeyOnly = { current: OTHER_KEY, previous: [] };
    expect(await decryptSecret(newKeyOnly, resealed, 'c1')).toBe('kommo-refresh');
    await expect(decryptSecret(TEST_SEALING_KEYS, resealed, 'c1')).rejects.toThrow();
    await expect(decryptSecret(newKeyOnly, before, 'c1')).rejects.toThrow();
    expect(await verify(newKeyOnly, state)).toBeNull();
    // New values are sealed and signed with the new key.
    expect(await decryptSecret(newKeyOnly, await encryptSecret(rotated, 'x', 'c2'), 'c2')).toBe('x');
    expect(await verify(newKeyOnly, await sign(rotated, { o: 'org-2' }))).toEqual({ o: 'org-2' });
  });

  it('name CLOSER_ENCRYPTION_KEY_PREVIOUS when one of its keys is malformed', () => {
    const env = { CLOSER_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY };
    expect(sealingKeysFrom({ ...env, CLOSER_ENCRYPTION_KEY_PREVIOUS: ' , ' }).previous).toEqual([]);
    expect(() =>
      sealingKeysFrom({ ...env, CLOSER_ENCRYPTION_KEY_PREVIOUS: `${b64(OTHER_KEY)},short` }),
    ).toThrow('CLOSER_ENCRYPTION_KEY_PREVIOUS must be');
  });
});
