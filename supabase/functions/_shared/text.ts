// Text as Closer stores and sends it: without NUL characters or lone surrogates (Postgres refuses the first,
// JSON and UTF-8 mangle the second), and cut to a length without cutting a character in half.

// A NUL, a high surrogate not followed by a low one, or a low surrogate not preceded by a high one.
// biome-ignore lint/suspicious/noControlCharactersInRegex: NUL is what this removes.
const UNSAFE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
// biome-ignore lint/suspicious/noControlCharactersInRegex: NUL is what this looks for.
const SUSPECT = /[\u0000\uD800-\uDFFF]/;

/** Removes NUL characters and lone surrogates; well-formed text is returned as it is. */
export function sanitizeText(text: string): string {
  return SUSPECT.test(text) ? text.replace(UNSAFE, '') : text;
}

/** `value` (parsed JSON) with NUL characters and lone surrogates removed from every string and key. */
export function sanitizeJson<T>(value: T): T {
  if (typeof value === 'string') return sanitizeText(value) as T;
  if (Array.isArray(value)) return value.map(sanitizeJson) as T;
  if (value && typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value).map(([key, inner]) => [sanitizeText(key), sanitizeJson(inner)]),
    ) as T;
  return value;
}

// `slice(0, n)` counts UTF-16 code units: at an emoji it keeps the first half of the pair, a lone surrogate that
// JSON escapes as `\ud83d`, which PostgreSQL's jsonb refuses (22P02) and UTF-8 cannot encode — so a visitor's
// honest 600-character answer failed as "a value is not acceptable". Every cut of text that is stored or sent
// goes through clipText.
const isHighSurrogate = (code: number) => code >= 0xd800 && code <= 0xdbff;

/**
 * `text` cut to at most `max` UTF-16 code units (so at most `max` characters in the database), never between the
 * two halves of a surrogate pair: a character that does not fit whole is left out.
 */
export function clipText(text: string, max: number): string {
  if (text.length <= max) return text;
  const end = max > 0 && isHighSurrogate(text.charCodeAt(max - 1)) ? max - 1 : Math.max(0, max);
  return text.slice(0, end);
}
