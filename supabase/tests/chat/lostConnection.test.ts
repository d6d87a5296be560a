// A pooled connection lost under a transaction (issue 11, kinds 1 and 9): on PostgreSQL a backend terminated while
// its connection sits idle in the pool, or while a statement runs. A transaction of which nothing ran is tried once
// more and succeeds; one whose statements may have run fails with a connection error (a 503 to a client), is not
// run twice, and leaves no connection broken or held in the pool.
import { execFileSync } from 'node:child_process';
import { createPostgresDatabase } from '@closer/functions/_shared/db/postgres.ts';
import type { Database } from '@closer/functions/_shared/db/types.ts';
import { isDatabaseUnavailable } from '@closer/functions/_shared/db/unavailable.ts';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emptyDatabase } from '../helpers/databases.ts';

/** The test's own connection, which the terminations spare. */
const ADMIN = 'lostConnection admin';

describe('a transaction whose connection is lost, on PostgreSQL', () => {
  let url: string;
  let admin: postgres.Sql;
  beforeAll(async () => {
    const made = await emptyDatabase('postgres');
    url = (made as Database & { url: string }).url;
    await made.exec('create table written (id serial primary key, what text not null)');
    await made.close();
    admin = postgres(url, { max: 1, onnotice: () => {}, connection: { application_name: ADMIN } });
  });
  afterAll(async () => {
    await admin?.end();
  });

  /** Terminates this database's backends that match `where`, other than the admin's own. */
  const terminate = async (where: string) =>
    (
      await admin.unsafe(
        `select pg_terminate_backend(pid) from pg_stat_activity
         where datname = current_database() and pid <> pg_backend_pid() and ${where}`,
      )
    ).length;
  /**
   * Terminates the idle backends (the test's own spared) from another process while this one's event loop is held,
   * so the pool has not yet read the close when the next statement is written to the dead connection.
   */
  const terminateIdleUnnoticed = () =>
    execFileSync('psql', [
      url,
      '-Atc',
      `select count(pg_terminate_backend(pid)) from pg_stat_activity
       where datname = current_database() and pid <> pg_backend_pid() and state = 'idle'
         and backend_type = 'client backend' and application_name <> '${ADMIN}'`,
    ])
      .toString()
      .trim();
  const rows = async (what: string) =>
    (await admin.unsafe('select count(*)::int as n from written where what = $1', [what]))[0]?.n;

  it('runs a transaction once more when its pooled connection died before anything of it ran', async () => {
    const db = createPostgresDatabase(url, { max: 2 });
    try {
      await db.transaction((tx) => tx.query('select 1'));
      let runs = 0;
      // (The test's own connection used to be kept busy by a 0.5 s query started 50 ms before: on a loaded machine
      // it was not yet running, or psql took longer to start than it ran, and it was terminated too.)
      expect(terminateIdleUnnoticed()).toBe('1');
      // Written before the pool has read the close: the first try meets the dead connection.
      const [inserted] = await db.transaction((tx) => {
        runs++;
        return tx.query<{ id: number }>(`insert into written (what) values ('retried') returning id`);
      });
      expect(runs).toBe(2);
      expect(inserted?.id).toBeGreaterThan(0);
      expect(await rows('retried')).toBe(1);
      // The pool serves on: nothing broken or held back in it.
      for (let i = 0; i < 3; i++) expect(await db.query('select 1 as one')).toEqual([{ one: 1 }]);
    } finally {
      await db.close();
    }
  });

  it('fails with a connection error, and does not run again, when the backend dies mid-statement', async () => {
    const db = createPostgresDatabase(url, { max: 2 });
    try {
      let runs = 0;
      // Its failure is taken at once: it may come before the terminating statement's answer.
      const outcome = db
        .transaction(async (tx) => {
          runs++;
          await tx.query(`insert into written (what) values ('interrupted')`);
          await tx.query('select pg_sleep(30)');
        })
        .then(
          () => null,
          (error: unknown) => error,
        );
      // Terminated once the request's statement sleeps, however long a loaded machine takes to get there.
      await expect.poll(() => terminate(`wait_event = 'PgSleep'`), { interval: 25 }).toBe(1);
      const failure = await outcome;
      expect(failure).not.toBeNull();
      expect(isDatabaseUnavailable(failure)).toBe(true);
      expect(runs).toBe(1);
      expect(await rows('interrupted')).toBe(0);
      expect(await db.transaction((tx) => tx.query('select 2 as two'))).toEqual([{ two: 2 }]);
    } finally {
      await db.close();
    }
  });

  it('keeps serving transactions when postgres.js replays a dead backend onto a reservation', async () => {
    // One connection: postgres.js 3.4.9 replays the terminated backend's FATAL onto the reservation that
    // reconnects it and then keeps that connection out of the pool (porsager/postgres#1223). Without a
    // renewed pool the next transaction would wait forever.
    const db = createPostgresDatabase(url, { max: 1 });
    try {
      const sleeping = db.query('select pg_sleep(30)').then(
        () => null,
        (error: unknown) => error,
      );
      // Terminated once the request's statement sleeps, however long a loaded machine takes to get there.
      await expect.poll(() => terminate(`wait_event = 'PgSleep'`), { interval: 25 }).toBe(1);
      expect(isDatabaseUnavailable(await sleeping)).toBe(true);
      for (let i = 0; i < 3; i++) {
        const [row] = await db.transaction((tx) => tx.query<{ n: number }>('select $1::int as n', [i]));
        expect(row?.n).toBe(i);
      }
      expect(
        await db.atOnce?.([[{ text: `insert into written (what) values ('after replay')` }]])[0],
      ).toHaveLength(1);
      expect(await rows('after replay')).toBe(1);
      expect(await db.query('select 1 as one')).toEqual([{ one: 1 }]);
    } finally {
      await db.close();
    }
  }, 20_000);
});
