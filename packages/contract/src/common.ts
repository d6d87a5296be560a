// Building blocks shared by every resource schema: ids, timestamps, texts, pagination.
// zod/mini throughout: it tree-shakes, so the SDK and the widget carry only the schemas they use.
import * as z from 'zod/mini';

export const id = z.uuid();
export const timestamp = z.iso.datetime({ offset: true });

/** A trimmed string of `min`..`max` characters ("must not be empty" when `min` is 1). */
export const text = (min: number, max: number, tooLong?: string) =>
  z
    .string()
    .check(
      z.trim(),
      z.minLength(min, min === 1 ? 'must not be empty' : undefined),
      z.maxLength(max, tooLong),
    );

/** A non-empty, trimmed display name. */
export const name = (max = 100) => text(1, max);

/** A string of at most `max` characters, kept as written. */
export const upTo = (max: number) => z.string().check(z.maxLength(max));

/** An integer in `min`..`max`. */
export const int = (min: number, max: number) => z.number().check(z.int(), z.gte(min), z.lte(max));

/** A page of a list: `{ data, nextCursor }`; `nextCursor` is null on the last page. */
export const page = <T extends z.ZodMiniType>(item: T) =>
  z.object({ data: z.array(item), nextCursor: z.nullable(z.string()) });
export type Page<T> = { data: T[]; nextCursor: string | null };
