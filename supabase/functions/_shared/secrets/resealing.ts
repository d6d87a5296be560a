// Rotating CLOSER_ENCRYPTION_KEY: every sealed value of a table opened with any key (the current one or one in
// CLOSER_ENCRYPTION_KEY_PREVIOUS) and sealed again with the current one. The tables and their bindings belong to
// the features that seal (Kommo's tokens, webhook signing secrets, the booking provider's key): each names its
// own `SealedColumns`, and the rotation command (packages/server/src/resealSecrets.ts) walks them all.
import type { Queryable, Row } from '../db/types.ts';
import type { SealingKeys } from './encryptionKey.ts';
import { resealSecret } from './sealed.ts';

/** Where a feature keeps sealed values, and what each is bound to (the `boundTo` it was sealed with). */
export interface SealedColumns {
  /** The table, schema-qualified: `public.kommo_connections`. */
  table: string;
  /** Columns holding `v1.…` sealed values (null where nothing is sealed). */
  columns: readonly string[];
  /** Further columns `boundTo` reads, beside `id`. */
  bindingColumns?: readonly string[];
  /** The binding of the row's values, exactly as the feature sealed them. */
  boundTo: (row: Row) => string;
}

/** A value that no key opened: the rotation stops, naming where (never the value). */
export class UnopenedSecretError extends Error {
  constructor(where: SealedColumns, row: Row, column: string) {
    super(
      `${where.table}.${column} of row ${String(row.id)} opens with none of the keys: list the key that sealed it in CLOSER_ENCRYPTION_KEY_PREVIOUS`,
    );
    this.name = 'UnopenedSecretError';
  }
}

/** Reseals every value of `where` under the current key, rows locked; the number of values resealed. */
export async function resealColumns(tx: Queryable, keys: SealingKeys, where: SealedColumns): Promise<number> {
  const selected = ['id', ...(where.bindingColumns ?? []), ...where.columns].join(', ');
  const rows = await tx.query(`select ${selected} from ${where.table} order by id for update`);
  let resealed = 0;
  for (const row of rows) {
    const values: (string | null)[] = [];
    for (const column of where.columns) {
      const sealed = row[column] as string | null;
      values.push(sealed === null ? null : await resealOne(keys, where, row, column, sealed));
      if (sealed !== null) resealed += 1;
    }
    const assignments = where.columns.map((column, i) => `${column} = $${i + 2}`).join(', ');
    await tx.query(`update ${where.table} set ${assignments} where id = $1`, [row.id, ...values]);
  }
  return resealed;
}

async function resealOne(keys: SealingKeys, where: SealedColumns, row: Row, column: string, sealed: string) {
  try {
    return await resealSecret(keys, sealed, where.boundTo(row));
  } catch {
    throw new UnopenedSecretError(where, row, column);
  }
}
