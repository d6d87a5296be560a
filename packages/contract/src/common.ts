// Building blocks shared by every resource schema: ids, timestamps, pagination.
import { z } from 'zod';

export const id = z.uuid();
export const timestamp = z.iso.datetime({ offset: true });

/** A non-empty, trimmed display name. */
export const name = (max = 100) => z.string().trim().min(1, 'must not be empty').max(max);

/** Query of every list endpoint: `limit` 1..100 (default 20) and an opaque `cursor`. */
export const listQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().min(1).max(500).optional(),
});
export type ListQuery = z.infer<typeof listQuery>;

/** A page of a list: `{ data, nextCursor }`; `nextCursor` is null on the last page. */
export const page = <T extends z.ZodType>(item: T) =>
  z.object({ data: z.array(item), nextCursor: z.string().nullable() });
export type Page<T> = { data: T[]; nextCursor: string | null };
