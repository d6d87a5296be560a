import { createRuntime } from '@closer/functions/_shared/runtime.ts';
import { functionFactories } from '@closer/local/src/functions.ts';
import { it } from 'vitest';
import { createApi } from './helpers/api.ts';
import { drivers, migratedDatabase } from './helpers/databases.ts';
import { createTenant } from './helpers/tenants.ts';

const values = [
  'infinity',
  '-infinity',
  'epoch',
  'now',
  'today',
  'allballs',
  '+010000-01-01',
  '294277-01-01',
  '2026-1-1',
  '2026-01-01T00:00:00+25:00',
  '2026-01-01T24:00:00Z',
  '2026-01-01T23:59:60Z',
  '1e2',
  '0x10',
  '10.5',
  ' 10',
  'Infinity',
  'NaN',
  '-0',
  '9'.repeat(400),
  'Etc/GMT+1',
  'posixrules',
  'localtime',
  'EST5EDT',
  'utc',
  'Factory',
  'Europe/Kyiv',
  'UTC/',
  'America/Argentina/ComodRivadavia',
  'GMT+0',
  'Z',
  'true',
  'null',
  '[]',
  '{}',
  'FFFFFFFF-FFFF-4FFF-BFFF-FFFFFFFFFFFF',
  '{00000000-0000-4000-8000-000000000000}',
  '00000000000040008000000000000000',
  'a'.repeat(70),
  '%F0%9F%98%80',
  '%E2%80%AE',
  '%C0%AF',
  '%FF',
];
const cursorJson = [
  [null, null],
  ['2026-01-01T00:00:00Z'],
  ['2026-01-01T00:00:00.1234567Z', '00000000-0000-4000-8000-000000000000'],
  ['9999-12-31T23:59:59.999999Z', 'FFFFFFFF-FFFF-4FFF-BFFF-FFFFFFFFFFFF'],
  { at: 1 },
  'x',
  12,
];
it.each(drivers)(
  'probe %s',
  async (driver) => {
    const db = await migratedDatabase(driver);
    const t = await createTenant(db, 'Acme', { allowedOrigins: ['*'] });
    const api = createApi(db);
    const runtime = createRuntime({} as never, {});
    const routes = new Set<string>();
    for (const [, create] of Object.entries(functionFactories))
      for (const r of create(runtime).routes) if (r.method === 'GET') routes.add(r.path);
    const keys = [
      'limit',
      'cursor',
      'from',
      'to',
      'tz',
      'agentId',
      'q',
      'status',
      'crmState',
      'categoryId',
      'published',
    ];
    const cursors = cursorJson.map((c) => Buffer.from(JSON.stringify(c)).toString('base64url'));
    const bad: string[] = [];
    for (const path of routes) {
      for (const key of keys) {
        for (const v of [...values.map((x) => (x.includes('%') ? x : encodeURIComponent(x))), ...cursors]) {
          const concrete = path.replace(/:[A-Za-z]+/g, t.agentId);
          const extra =
            key === 'from' || key === 'to'
              ? '&from=2026-01-01&to=2026-01-02'.replace(`&${key}=2026-01-0${key === 'from' ? 1 : 2}`, '')
              : '';
          for (const cred of [
            [t.secretKey, {}],
            [t.publishableKey, { origin: 'https://x.example' }],
          ] as const) {
            const res = await api
              .as(cred[0], cred[1])('GET', `${concrete}?${key}=${v}${extra}`)
              .catch((e) => ({ status: 999, body: String(e) }));
            if (res.status >= 500 && !JSON.stringify(res.body).includes('not configured'))
              bad.push(
                `${res.status} ${concrete}?${key}=${v}${extra} ${JSON.stringify(res.body).slice(0, 200)}`,
              );
          }
        }
      }
      // non-uuid ids in path
      if (path.includes(':'))
        for (const v of values) {
          const concrete = path.replace(/:[A-Za-z]+/g, v.includes('%') ? v : encodeURIComponent(v));
          const res = await api
            .as(t.secretKey)('GET', concrete)
            .catch((e) => ({ status: 999, body: String(e) }));
          if (res.status >= 500 && !JSON.stringify(res.body).includes('not configured'))
            bad.push(`${res.status} ${concrete} ${JSON.stringify(res.body).slice(0, 200)}`);
        }
    }
    console.log(driver, bad.length, '\n' + [...new Set(bad)].slice(0, 40).join('\n'));
    await db.close();
  },
  600_000,
);
