// The PGlite driver: real Postgres in WASM for the local stack and tests. Node only; never deployed.
import type { PGlite } from '@electric-sql/pglite';
import type { Database, Queryable, Row } from './types.ts';

export function createPgliteDatabase(pg: PGlite): Database {
  const wrap = (target: Pick<PGlite, 'query'>): Queryable => ({
    query: async <T = Row>(text: string, params: readonly unknown[] = []) =>
      (await target.query<T>(text, params as unknown[])).rows,
  });
  const root = wrap(pg);
  return {
    driver: 'pglite',
    query: root.query,
    // PGlite has one connection: queries inside must go through `tx`, never `pg` (it would deadlock).
    transaction: (fn) => pg.transaction((tx) => fn(wrap(tx))),
    async exec(script: string) {
      await pg.transaction((tx) => tx.exec(script));
    },
    // One connection: it receives its own notifications, at commit, as Postgres delivers them.
    async listen(channel, onNotify, onListening) {
      const stop = await pg.listen(channel, onNotify);
      onListening?.();
      return stop;
    },
    close: () => pg.close(),
  };
}
