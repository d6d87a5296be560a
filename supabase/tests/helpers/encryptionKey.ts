// The tests' CLOSER_ENCRYPTION_KEY (not a secret: 32 fixed bytes), as bytes and as the setting's base64.
export const TEST_ENCRYPTION_KEY_BYTES = new Uint8Array(32).map((_, i) => i * 7 + 1);
export const TEST_ENCRYPTION_KEY = btoa(String.fromCharCode(...TEST_ENCRYPTION_KEY_BYTES));
/** The test key as the functions take it: sealing with it, no previous keys. */
export const TEST_SEALING_KEYS = { current: TEST_ENCRYPTION_KEY_BYTES, previous: [] } as const;
