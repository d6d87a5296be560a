// The query every list endpoint takes.
import * as z from 'zod/mini';
import { storableString } from '../common.ts';

/** Query of every list endpoint: `limit` 1..100 (default 20) and an opaque `cursor`. */
export const listQuery = z.object({
  limit: z._default(z.coerce.number().check(z.int(), z.gte(1), z.lte(100)), 20),
  cursor: z.optional(storableString().check(z.minLength(1), z.maxLength(500))),
});
export type ListQuery = z.infer<typeof listQuery>;

/** A boolean query parameter: `true` or `false`. */
export const queryBoolean = z.pipe(
  z.enum(['true', 'false']),
  z.transform((value) => value === 'true'),
);
