// Partial updates: `update … set` only the fields a PATCH body carries, mapped to their columns.
import type { Queryable, Row } from './types.ts';

/**
 * Updates the row of `table` matching `match` (column → value) with the fields of `patch` that `columns`
 * names, and returns it; with nothing to change it returns the row as it is. Undefined: no such row.
 */
export async function patchRow(
  tx: Queryable,
  table: string,
  match: Record<string, unknown>,
  patch: Record<string, unknown>,
  columns: Record<string, string>,
): Promise<Row | undefined> {
  const params: unknown[] = Object.values(match);
  const where = Object.keys(match)
    .map((column, i) => `${column} = $${i + 1}`)
    .join(' and ');
  const sets: string[] = [];
  for (const [field, column] of Object.entries(columns)) {
    if (patch[field] === undefined) continue;
    params.push(patch[field]);
    sets.push(`${column} = $${params.length}`);
  }
  const [row] = await tx.query(
    sets.length
      ? `update public.${table} set ${sets.join(', ')} where ${where} returning *`
      : `select * from public.${table} where ${where}`,
    params,
  );
  return row;
}
