import postgres from 'postgres';
import { createPostgresDatabase } from '../functions/_shared/db/postgres.ts';
import { startPostgresCluster } from './helpers/postgresCluster.ts';
const cluster = await startPostgresCluster();
const db = createPostgresDatabase(cluster.url, { max: 1 });
const admin = postgres(cluster.url, { max: 1, onnotice: () => {} });
const t = setTimeout(() => { console.log('HANG'); process.exit(1); }, 8000);
try {
  await db.transaction((tx) => tx.query('select 1'));
  const n = await admin.unsafe(`select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid() and state = 'idle' and backend_type = 'client backend'`);
  console.log('terminated', n.length);
  console.log(await db.transaction((tx) => tx.query('select 2 as two')).then((r) => r, (e) => `ERR ${e.code} ${e.message}`));
  console.log(await db.transaction((tx) => tx.query('select 3 as three')).then((r) => r, (e) => `ERR ${e.code} ${e.message}`));
} finally { clearTimeout(t); await admin.end(); await db.close(); await cluster.stop(); }
