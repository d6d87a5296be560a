// The pool is renewed on any refused reservation: postgres.js 3.4.9 keeps a refused reservation queued and later
// hands it a connection nobody will ever release (see _shared/db/renewablePool.ts). Under load a terminated
// backend's reconnect fails with a reset socket as often as with the replayed FATAL — both must renew.
import { type Run, reservedStatement } from '@closer/functions/_shared/db/postgresTransactions.ts';
import { RenewablePool } from '@closer/functions/_shared/db/renewablePool.ts';
import postgres from 'postgres';
import { expect, it, vi } from 'vitest';

interface FakePool {
  reserve(): Promise<postgres.ReservedSql>;
  end(): Promise<void>;
  ended: boolean;
}

/** Pools whose first reservation fails with `failure` (the first pool only) and whose later ones succeed. */
function pools(failure: unknown) {
  const opened: FakePool[] = [];
  const reserved = { marker: 'reserved' } as unknown as postgres.ReservedSql;
  const open = () => {
    const failing = opened.length === 0;
    const pool: FakePool = {
      ended: false,
      reserve: () => (failing ? Promise.reject(failure) : Promise.resolve(reserved)),
      end: async () => {
        pool.ended = true;
      },
    };
    opened.push(pool);
    return pool as unknown as postgres.Sql;
  };
  return { opened, open, reserved };
}

const reset = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
const timedOut = Object.assign(new Error('write CONNECT_TIMEOUT 127.0.0.1:5432'), {
  code: 'CONNECT_TIMEOUT',
});
const replayed = new postgres.PostgresError({
  severity: 'FATAL',
  code: '57P01',
  message: 'terminating connection due to administrator command',
} as never);

it.each([
  ['a reset socket', reset],
  ['a connect timeout', timedOut],
  ["a terminated backend's replayed FATAL", replayed],
])(
  'renews the pool when a reservation is refused with %s, and reserves from the new one',
  async (_, failure) => {
    const { opened, open, reserved } = pools(failure);
    const pool = new RenewablePool(open);
    const first = pool.sql;
    expect(await pool.reserve()).toBe(reserved);
    expect(opened).toHaveLength(2);
    expect(pool.sql).not.toBe(first);
    await pool.end(1);
    expect(opened.every((made) => made.ended)).toBe(true);
  },
);

it('refuses without renewing once it has been ended', async () => {
  const { opened, open } = pools(reset);
  const pool = new RenewablePool(open);
  await pool.end(1);
  await expect(pool.reserve()).rejects.toMatchObject({ code: 'CONNECTION_ENDED' });
  expect(opened).toHaveLength(1);
});

/**
 * A pool whose reservations wait until `grant` is called (none, for a pool postgres.js has given up on), and which
 * records the connections given back to it.
 */
function waitingPool(opened: unknown[]) {
  const waiting: { resolve(connection: postgres.ReservedSql): void; reject(error: unknown): void }[] = [];
  const released: string[] = [];
  const connection = (name: string) =>
    ({ name, release: () => released.push(name) }) as unknown as postgres.ReservedSql;
  const pool = {
    waiting,
    released,
    connection,
    reserve: () => new Promise<postgres.ReservedSql>((resolve, reject) => waiting.push({ resolve, reject })),
    end: async () => {},
  };
  opened.push(pool);
  return pool;
}

it('moves a reservation still waiting in a pool that another refusal replaced to the new pool, and gives back what the old one hands it later', async () => {
  // The hang CI met (terminatedBackend.test.ts, 1 run in 5 under load): two requests wait for a connection of a
  // pool whose backends were terminated; the reconnect refuses one (the pool is renewed) and the other stays
  // queued in the old pool, where postgres.js hands the connections to dead requests — it waited forever.
  const opened: ReturnType<typeof waitingPool>[] = [];
  const pool = new RenewablePool(() => waitingPool(opened) as unknown as postgres.Sql);
  const refused = pool.reserve();
  const stuck = pool.reserve();
  const [old] = opened;
  old!.waiting[0]!.reject(replayed); // the first is refused: the pool is renewed, the first reserves anew
  await vi.waitFor(() => expect(opened).toHaveLength(2));
  const fresh = opened[1]!;
  await vi.waitFor(() => expect(fresh.waiting).toHaveLength(2)); // the second moved too, without a refusal
  fresh.waiting[0]!.resolve(fresh.connection('a'));
  fresh.waiting[1]!.resolve(fresh.connection('b'));
  const names = (await Promise.all([refused, stuck])).map((c) => (c as unknown as { name: string }).name);
  expect(names.sort()).toEqual(['a', 'b']);
  // Should the old pool serve the moved reservation after all, its connection goes straight back.
  old!.waiting[1]!.resolve(old!.connection('late'));
  await vi.waitFor(() => expect(old!.released).toEqual(['late']));
  expect(fresh.released).toEqual([]);
});

it('refuses reservations still waiting when it is ended, as the connection pool ending (503 unavailable)', async () => {
  const opened: ReturnType<typeof waitingPool>[] = [];
  const pool = new RenewablePool(() => waitingPool(opened) as unknown as postgres.Sql);
  const waiting = pool.reserve();
  await pool.end(1);
  await expect(waiting).rejects.toMatchObject({ code: 'CONNECTION_ENDED' });
});

it('moves a statement outside a transaction that waits for a connection along with the pool, as a reservation', async () => {
  // The hang CI met again (terminatedBackend.test.ts, stop 27): plain statements (Database.query) waited in the old
  // pool's own queue, which was never told of the renewal, until that pool was ended 30 s later.
  const opened: ReturnType<typeof waitingPool>[] = [];
  const pool = new RenewablePool(() => waitingPool(opened) as unknown as postgres.Sql);
  const ran: string[] = [];
  const run = (async (target: { name: string }, text: string) => {
    ran.push(`${text} on ${target.name}`);
    return [{ ok: 1 }];
  }) as unknown as Run;
  const refused = pool.reserve().catch(() => null);
  const statement = reservedStatement(() => pool.reserve(), run, 'select 1', []);
  const [old] = opened;
  old!.waiting[0]!.reject(replayed);
  await vi.waitFor(() => expect(opened[1]?.waiting).toHaveLength(2));
  const fresh = opened[1]!;
  fresh.waiting[0]!.resolve(fresh.connection('a'));
  fresh.waiting[1]!.resolve(fresh.connection('b'));
  expect(await statement).toEqual([{ ok: 1 }]);
  const other = (await refused) as unknown as { name: string };
  const used = other.name === 'a' ? 'b' : 'a';
  expect(ran).toEqual([`select 1 on ${used}`]);
  // The statement's connection went back to the pool once the server answered on it.
  expect(fresh.released).toEqual([used]);
  // Nothing ran on the old pool's queue, nor waits there.
  expect(old!.released).toEqual([]);
});
