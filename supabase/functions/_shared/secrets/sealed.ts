// Secrets sealed at rest with AES-256-GCM (Kommo's OAuth tokens, webhook signing secrets), and Kommo's OAuth
// states signed with HMAC-SHA-256, on Web Crypto, under CLOSER_ENCRYPTION_KEY (see encryptionKey.ts). What an
// earlier key sealed or signed still opens while that key is listed in CLOSER_ENCRYPTION_KEY_PREVIOUS.
import type { SealingKeys } from './encryptionKey.ts';

const encoder = new TextEncoder();
const b64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));
const unb64 = (text: string) => Uint8Array.from(atob(text), (ch) => ch.charCodeAt(0));
const b64url = (bytes: Uint8Array) =>
  b64(bytes)
    .replaceAll('+', '-')
    .replaceAll('/', '_')
    .replace(/(?<!=)=+$/, '');
const unb64url = (text: string) => unb64(text.replaceAll('-', '+').replaceAll('_', '/'));

// Separate keys for the two jobs, derived from the one secret, so a signature can never be a ciphertext. The
// `info` strings name Kommo, the first user, and must stay as they are: every stored ciphertext depends on them.
// Features are kept apart by what each ciphertext is bound to (`boundTo`), not by the key.
async function subkey(key: Uint8Array, purpose: 'encrypt' | 'sign'): Promise<CryptoKey> {
  const base = await crypto.subtle.importKey('raw', key as BufferSource, 'HKDF', false, ['deriveKey']);
  const params = {
    name: 'HKDF',
    hash: 'SHA-256',
    salt: new Uint8Array(0),
    info: encoder.encode(`closer kommo ${purpose}`),
  };
  return purpose === 'encrypt'
    ? crypto.subtle.deriveKey(params, base, { name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt'])
    : crypto.subtle.deriveKey(params, base, { name: 'HMAC', hash: 'SHA-256', length: 256 }, false, [
        'sign',
        'verify',
      ]);
}

/**
 * `v1.<iv>.<ciphertext>` (base64url, 12-byte IV, GCM tag appended). `boundTo` (the row's id, or ids) is bound as
 * associated data, so a sealed value copied to another row does not open there.
 */
export async function encryptSecret(keys: SealingKeys, plaintext: string, boundTo: string): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const sealed = await crypto.subtle.encrypt(
    { name: 'AES-GCM', iv, additionalData: encoder.encode(boundTo) },
    await subkey(keys.current, 'encrypt'),
    encoder.encode(plaintext),
  );
  return `v1.${b64url(iv)}.${b64url(new Uint8Array(sealed))}`;
}

/**
 * The plaintext of `encryptSecret`, opened with the current key or else a previous one; throws when none opens it
 * (another key, another `boundTo`, or the value was altered).
 */
export async function decryptSecret(keys: SealingKeys, sealed: string, boundTo: string): Promise<string> {
  const [version, iv, data] = sealed.split('.');
  if (version !== 'v1' || !iv || !data) throw new Error('not a sealed secret');
  let failure: unknown;
  for (const key of [keys.current, ...keys.previous]) {
    try {
      const plain = await crypto.subtle.decrypt(
        { name: 'AES-GCM', iv: unb64url(iv) as BufferSource, additionalData: encoder.encode(boundTo) },
        await subkey(key, 'encrypt'),
        unb64url(data) as BufferSource,
      );
      return new TextDecoder().decode(plain);
    } catch (error) {
      failure = error;
    }
  }
  throw failure;
}

/** `sealed` opened with any of the keys and sealed again with the current one (rotating the key). */
export async function resealSecret(keys: SealingKeys, sealed: string, boundTo: string): Promise<string> {
  return encryptSecret(keys, await decryptSecret(keys, sealed, boundTo), boundTo);
}

/** `<payload>.<signature>`, both base64url. */
export async function sign(keys: SealingKeys, payload: object): Promise<string> {
  const body = b64url(encoder.encode(JSON.stringify(payload)));
  const signature = await crypto.subtle.sign(
    'HMAC',
    await subkey(keys.current, 'sign'),
    encoder.encode(body),
  );
  return `${body}.${b64url(new Uint8Array(signature))}`;
}

/** The payload when the signature holds under the current key or a previous one, else null. */
export async function verify<T>(keys: SealingKeys, token: string): Promise<T | null> {
  const [body, signature] = token.split('.');
  if (!body || !signature) return null;
  try {
    for (const key of [keys.current, ...keys.previous]) {
      const ok = await crypto.subtle.verify(
        'HMAC',
        await subkey(key, 'sign'),
        unb64url(signature) as BufferSource,
        encoder.encode(body),
      );
      if (ok) return JSON.parse(new TextDecoder().decode(unb64url(body))) as T;
    }
    return null;
  } catch {
    return null;
  }
}
