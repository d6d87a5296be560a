// Building blocks shared by every resource schema: ids, timestamps, texts, pagination.
// zod/mini throughout: it tree-shakes, so the SDK and the widget carry only the schemas they use.
import * as z from 'zod/mini';

export const id = z.uuid();
export const timestamp = z.iso.datetime({ offset: true });

// NUL, or half of a UTF-16 surrogate pair on its own: neither is text. Postgres refuses the first and UTF-8
// cannot encode the second (it would be silently replaced), so no string of the API may hold them.
const UNSTORABLE = /\0|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** True when `value` holds no NUL character and no unpaired surrogate (what every API string must satisfy). */
export const isStorableText = (value: string): boolean => !UNSTORABLE.test(value);

/** The check behind `storableString()`, for string formats built on their own (URLs). */
export const storable = z.refine<string>(
  isStorableText,
  'must not contain NUL characters or unpaired surrogates',
);

/**
 * Every string the API accepts (bodies, query parameters, path parameters, headers) is built on this one
 * schema: any string, provided it holds no NUL (`\u0000`) and no unpaired UTF-16 surrogate.
 */
export const storableString = () => z.string().check(storable);

// Characters that show nothing: white space, controls and the default-ignorable ones (zero-width space and
// joiners, BOM, soft hyphen, Hangul fillers, variation selectors…).
const INVISIBLE = /[\s\p{Cc}\p{Default_Ignorable_Code_Point}]/gu;

/** True when `value` has at least one character that is not white space or invisible. */
export const hasVisibleText = (value: string): boolean => value.replace(INVISIBLE, '') !== '';

/**
 * A trimmed string of `min`..`max` characters. With `min` ≥ 1 it must also show something: a value made only
 * of white space or zero-width characters is "empty".
 */
export const text = (min: number, max: number, tooLong?: string) =>
  min >= 1
    ? storableString().check(
        z.trim(),
        z.minLength(min, min === 1 ? 'must not be empty' : undefined),
        z.maxLength(max, tooLong),
        // An empty value already failed minLength: one issue per problem.
        z.refine(
          (v) => v === '' || hasVisibleText(v),
          'must not be empty (only white space or invisible characters)',
        ),
      )
    : storableString().check(z.trim(), z.maxLength(max, tooLong));

/** A non-empty, trimmed display name. */
export const name = (max = 100) => text(1, max);

/** A string of at most `max` characters, kept as written. */
export const upTo = (max: number) => storableString().check(z.maxLength(max));

/** An integer in `min`..`max`. */
export const int = (min: number, max: number) => z.number().check(z.int(), z.gte(min), z.lte(max));

const NOT_YEAR_ZERO = /^(?!0000-)/;
const yearRange = 'must be a date from 0001-01-01 to 9999-12-31';

/** A calendar date `YYYY-MM-DD` that exists (no 2026-02-30), years 0001 to 9999. */
export const calendarDate = z.iso.date().check(z.regex(NOT_YEAR_ZERO, yearRange));

/** An ISO 8601 instant with an offset (`2026-05-01T09:00:00Z`) on a date that exists, years 0001 to 9999. */
export const instant = z.iso.datetime({ offset: true }).check(z.regex(NOT_YEAR_ZERO, yearRange));

/** A page of a list: `{ data, nextCursor }`; `nextCursor` is null on the last page. */
export const page = <T extends z.ZodMiniType>(item: T) =>
  z.object({ data: z.array(item), nextCursor: z.nullable(z.string()) });
export type Page<T> = { data: T[]; nextCursor: string | null };
