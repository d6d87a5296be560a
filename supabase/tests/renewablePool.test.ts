// The pool is renewed on any refused reservation: postgres.js 3.4.9 keeps a refused reservation queued and later
// hands it a connection nobody will ever release (see _shared/db/renewablePool.ts). Under load a terminated
// backend's reconnect fails with a reset socket as often as with the replayed FATAL — both must renew.
import { RenewablePool } from '@closer/functions/_shared/db/renewablePool.ts';
import postgres from 'postgres';
import { expect, it } from 'vitest';

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
  await expect(pool.reserve()).rejects.toBe(reset);
  expect(opened).toHaveLength(1);
});
