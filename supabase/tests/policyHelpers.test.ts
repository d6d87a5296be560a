// Migration 20261203000000 rewrote the policy helpers from SQL to PL/pgSQL for speed and must change no answer.
// One database per driver is built as it stood before that migration, asked every helper over a matrix of
// claims and arguments (odd ones included), then migrated and asked again: each answer, or error's SQLSTATE,
// must be the same. The claims are asked with and without the fixture's rows (a query that is never run cannot
// fail, so an empty table can hide an error). Only the migrations up to that one are applied: a later one may
// change a helper on purpose. PostgreSQL 15 (production) must answer exactly as before; PGlite (PostgreSQL 18)
// too, but for the claims its own SQL versions let by where PostgreSQL 15 refused them (see the last test).
import { migrate, readMigrations } from '@closer/functions/_shared/db/migrate.ts';
import type { Database, Queryable } from '@closer/functions/_shared/db/types.ts';
import { beforeAll, describe, expect, it } from 'vitest';
import { type DriverName, drivers, emptyDatabase, migrationsDir } from './helpers/databases.ts';

const REWRITE = '20261203000000';

const uuid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const ids = {
  orgA: uuid(1),
  orgB: uuid(2),
  unknownOrg: uuid(3),
  owner: uuid(11),
  member: uuid(12),
  admin: uuid(13),
  outsider: uuid(14), // owner of B
  stranger: uuid(15), // no user at all
  agentA: uuid(21),
  agentB: uuid(22),
  conversationA: uuid(31),
  conversationB: uuid(32),
  categoryA: uuid(41),
  conversationBWithTokenA: uuid(33),
  bookingA: uuid(51),
};
/** The fixture's "now", fixed once, so that both times it is written its timestamps are the same. */
const now = new Date().toISOString();
const tokenA = 'a'.repeat(64);
const tokenB = 'b'.repeat(64);
const tokenNone = 'c'.repeat(64);

/** One billing organisation per subscription case: status, grace window, current period. */
const billingCases = [
  { status: null, grace: null, period: 'current' },
  { status: 'active', grace: null, period: 'current' },
  { status: 'active', grace: null, period: 'past' },
  { status: 'trialing', grace: null, period: 'future' },
  { status: 'trialing', grace: null, period: null },
  { status: 'past_due', grace: 'future', period: 'current' },
  { status: 'past_due', grace: 'past', period: 'current' },
  { status: 'past_due', grace: null, period: 'current' },
  { status: 'unpaid', grace: 'future', period: 'past' },
  { status: 'unpaid', grace: 'past', period: 'current' },
  { status: 'incomplete', grace: 'future', period: 'current' },
  { status: 'incomplete', grace: 'past', period: null },
  { status: 'canceled', grace: 'future', period: 'current' },
  { status: 'incomplete_expired', grace: null, period: 'current' },
  { status: 'Active', grace: null, period: 'current' },
].map((c, i) => ({ ...c, orgId: uuid(100 + i) }));
const billingOrgWithoutAccount = uuid(99);

const PERIODS = {
  current: ['-1 day', '+29 days'],
  past: ['-60 days', '-30 days'],
  future: ['+1 day', '+31 days'],
};
const GRACE = { future: '+3 days', past: '-3 days' };

async function addFixture(db: Queryable): Promise<void> {
  const q = (text: string, params: unknown[] = []) => db.query(text, params);
  await q(`insert into billing.plans (id, name) values ('pro', 'Pro') on conflict do nothing`);
  for (const [id, email] of [
    [ids.owner, 'owner@a.example'],
    [ids.member, 'member@a.example'],
    [ids.admin, null],
    [ids.outsider, 'owner@b.example'],
  ])
    await q('insert into auth.users (id, email) values ($1, $2)', [id, email]);
  const orgs = [ids.orgA, ids.orgB, billingOrgWithoutAccount, ...billingCases.map((c) => c.orgId)];
  for (const org of orgs) await q(`insert into public.organizations (id, name) values ($1, 'Org')`, [org]);
  await q(
    `insert into public.organization_members (org_id, user_id, role, created_at) values
       ($1, $3, 'owner', '2026-01-01'), ($1, $4, 'member', '2026-01-02'), ($1, $5, 'admin', '2026-01-02'),
       ($2, $6, 'owner', '2026-01-01')`,
    [ids.orgA, ids.orgB, ids.owner, ids.member, ids.admin, ids.outsider],
  );
  for (const [agent, org, key] of [
    [ids.agentA, ids.orgA, 'pk_test_helpersAaaaaaaaaaaaaaaaaaaaaa'],
    [ids.agentB, ids.orgB, 'pk_test_helpersBbbbbbbbbbbbbbbbbbbbbb'],
  ])
    await q(
      `insert into public.agents (id, org_id, name, slug, publishable_key) values ($1, $2, 'Agent', 'sales', $3)`,
      [agent, org, key],
    );
  // B's conversation carries A's token too: a token is matched within its agent and organisation only.
  await q(
    `insert into public.conversations (id, org_id, agent_id, visitor_token_hash) values
       ($1, $3, $5, $7), ($2, $4, $6, $8), ($9, $4, $6, $7)`,
    [
      ids.conversationA,
      ids.conversationB,
      ids.orgA,
      ids.orgB,
      ids.agentA,
      ids.agentB,
      tokenA,
      tokenB,
      ids.conversationBWithTokenA,
    ],
  );
  await q(
    `insert into public.kommo_connections (org_id, subdomain, status) values ($1, 'a', 'connected'), ($2, 'b', 'disconnected')`,
    [ids.orgA, ids.orgB],
  );
  await q(
    `insert into public.booking_connections (id, org_id, provider, api_key_enc, api_key_hint, event_type_id,
       event_type_title, length_in_minutes, api_url, booker_url)
     values ($2, $1, 'calcom', 'v1.fixture.sealed', 'abcd', 42, 'Demo', 30, 'https://api.cal.com', 'https://cal.com')`,
    [ids.orgA, ids.bookingA],
  );
  await q(
    `insert into public.company_knowledge (org_id, agent_id, title, content) values
       ($1, $2, 'Pricing', 'It costs money'), ($1, $2, 'Цена', 'Дорого 🙂'), ($3, $4, 'B', 'Only B')`,
    [ids.orgA, ids.agentA, ids.orgB, ids.agentB],
  );
  await q(`insert into public.knowledge_categories (id, org_id, name) values ($1, $2, 'Policies')`, [
    ids.categoryA,
    ids.orgA,
  ]);
  await q(
    `insert into public.knowledge_articles (org_id, category_id, title, content) values ($1, $2, 'Hours', 'Nine to five')`,
    [ids.orgA, ids.categoryA],
  );
  for (const c of billingCases) {
    const [start, end] = c.period ? PERIODS[c.period as keyof typeof PERIODS] : [null, null];
    await q(
      `insert into public.billing_accounts (org_id, plan_id, subscription_status, grace_until,
         current_period_start, current_period_end)
       values ($1, 'pro', $2, $6::timestamptz + $3::interval, $6::timestamptz + $4::interval,
         $6::timestamptz + $5::interval)`,
      [c.orgId, c.status, c.grace ? GRACE[c.grace as keyof typeof GRACE] : null, start, end, now],
    );
  }
  await q(
    `insert into public.billing_usage (org_id, metric, period_start, quantity) values
       ($1, 'messages', '2026-12-01T00:00:00Z', 3), ($1, 'messages', '2026-11-01T00:00:00Z', 0),
       ($2, 'messages', '2026-12-01T00:00:00Z', 5)`,
    [ids.orgA, ids.orgB],
  );
}

async function removeFixture(db: Queryable): Promise<void> {
  await db.query('delete from public.organizations where id = any($1::uuid[])', [
    [ids.orgA, ids.orgB, billingOrgWithoutAccount, ...billingCases.map((c) => c.orgId)],
  ]);
  await db.query('delete from auth.users where id = any($1::uuid[])', [
    [ids.owner, ids.member, ids.admin, ids.outsider],
  ]);
}

/** request.jwt.claims as set for one request: a raw setting, or `undefined` for never set. */
interface Claims {
  name: string;
  setting: string | undefined;
}
const raw = (setting: string | undefined): Claims => ({ name: JSON.stringify(setting), setting });
const json = (claims: Record<string, unknown>): Claims => raw(JSON.stringify(claims));

const oddClaims: Claims[] = [
  ...[undefined, '', '{}', '{', 'not json', 'null', '[]', '["agent_id"]', '"agent_id"', '5', 'true'].map(raw),
  ...[
    { org_id: ids.orgA },
    { org_id: 'not-a-uuid' },
    { org_id: '' },
    { org_id: null },
    { org_id: 5 },
    { org_id: ids.unknownOrg },
    { org_id: ids.orgA, sub: ids.owner },
    { org_id: ids.orgA, sub: ids.owner.toUpperCase() },
    { org_id: ids.orgA.toUpperCase(), sub: ids.member },
    { org_id: ids.orgA, sub: ids.member },
    { org_id: ids.orgA, sub: ids.admin },
    { org_id: ids.orgA, sub: ids.outsider },
    { org_id: ids.orgA, sub: ids.stranger },
    { org_id: ids.orgA, sub: '' },
    { org_id: ids.orgA, sub: ' ' },
    { org_id: ids.orgA, sub: 'not-a-uuid' },
    { org_id: ids.orgA, sub: null },
    { org_id: ids.orgA, sub: 7 },
    { org_id: 'not-a-uuid', sub: ids.owner },
    { org_id: 'not-a-uuid', sub: ids.stranger },
    { org_id: 'not-a-uuid', sub: 'not-a-uuid' },
    { org_id: 'not-a-uuid', sub: '' },
    { org_id: '', sub: ids.owner },
    { org_id: ids.unknownOrg, sub: ids.owner },
    { org_id: ids.unknownOrg, sub: 'not-a-uuid' },
    { sub: ids.owner },
    { sub: '' },
    { sub: 'not-a-uuid' },
    { org_id: null, sub: 'not-a-uuid' },
    { org_id: ids.orgB, sub: ids.outsider },
    { org_id: ids.orgB, sub: ids.owner },
    { org_id: ids.orgA, sub: ids.owner, kind: 'member' },
    { org_id: ids.orgA, sub: 'not-a-uuid', kind: 'member' },
    { org_id: ids.orgA, sub: ids.outsider, kind: 'member' },
  ].map(json),
];

/** Every kind, with and without an agent and a visitor token, over a few organisations and members. */
const kindClaims: Claims[] = [
  { org_id: ids.orgA },
  { org_id: ids.orgA, sub: ids.owner },
  { org_id: ids.orgA, sub: ids.member },
  { org_id: ids.orgB },
  {},
].flatMap((base) =>
  ['secret', 'member', 'publishable', 'unknown', '', null, undefined].flatMap((kind) =>
    [undefined, ids.agentA, ids.agentB, '', 'not-a-uuid'].flatMap((agent_id) =>
      [undefined, tokenA, tokenB, tokenNone, ''].map((visitor_token_hash) =>
        json({ ...base, kind, agent_id, visitor_token_hash }),
      ),
    ),
  ),
);

const billingClaims: Claims[] = [billingOrgWithoutAccount, ...billingCases.map((c) => c.orgId)].flatMap(
  (org_id) => [json({ org_id, kind: 'secret' }), json({ org_id })],
);

interface Probe {
  name: string;
  /** Run in order; the answer is the last statement's `v` (text), or the SQLSTATE of the first error. */
  statements: [string, unknown[]?][];
}
const scalar = (helper: string): Probe => ({
  name: helper,
  statements: [[`select public.${helper}()::text as v`]],
});
const rows = (helper: string): Probe => ({
  name: helper,
  statements: [[`select coalesce(json_agg(t)::text, '[]') as v from public.${helper}() t`]],
});
const claimProbes: Probe[] = [
  ...[
    'current_org_id',
    'request_is_visitor',
    'visitor_agent_id',
    'visitor_token_hash',
    'visitor_conversation_id',
    'kommo_connected',
    'current_member_role',
    'may_manage_members',
    'billing_plan',
    'billing_knowledge_bytes',
  ].map(scalar),
  rows('chat_booking_connection'),
  rows('organization_member_directory'),
  {
    // The calendar month, named so, so that a run across midnight of a month's last day compares alike.
    name: 'billing_period_start',
    statements: [
      [
        `select case when s = date_trunc('month', now(), 'UTC') then 'calendar month' else s::text end as v
         from public.billing_period_start() s`,
      ],
    ],
  },
  ...(['2026-12-01T00:00:00Z', '2026-11-01T00:00:00Z', '2026-10-01T00:00:00Z', null].map((period) => ({
    // What unmeter_reply did to the ledger, read as the owner (the savepoint takes it back).
    name: `unmeter_reply(${period})`,
    statements: [
      ['select public.unmeter_reply($1::timestamptz)::text as v', [period]],
      ['reset role'],
      [
        `select coalesce(string_agg(org_id || ' ' || extract(epoch from period_start) || ' ' || quantity, '; '
           order by org_id, period_start), '') as v from public.billing_usage`,
      ],
    ],
  })) as Probe[]),
];

const languages = [
  'en',
  'ru',
  'pt-BR',
  'pt',
  'es',
  'de',
  'fr',
  'it',
  'nl',
  'tr',
  'en-US',
  'EN',
  'xx',
  '',
  '-en',
  null,
];
const phrases = [
  null,
  '',
  ' ',
  ' !!! ',
  'the',
  'the and of a',
  'и в на не',
  'de a o que',
  'price',
  'prices',
  'too expensive',
  'not interested right now',
  'это слишком дорого',
  'дорого',
  'não tenho dinheiro',
  'é caro',
  'über den Preis',
  '你好世界',
  'emoji 🙂 price',
  "don't call me",
  'a-b c:d & | !',
];
const textProbes: Probe[] = languages.flatMap((language) => [
  {
    name: `fts_config_all_words(${language})`,
    statements: [['select public.fts_config_all_words($1)::text as v', [language]]],
  },
  ...phrases.flatMap((phrase): Probe[] => [
    {
      name: `meaning_lexemes(${language}, ${phrase})`,
      statements: [['select public.meaning_lexemes($1, $2)::text as v', [language, phrase]]],
    },
    {
      name: `question_lexemes(${language}, ${phrase})`,
      statements: [['select public.question_lexemes($1, $2)::text as v', [language, phrase]]],
    },
    ...[true, false, null].map(
      (isObjection): Probe => ({
        name: `objection_cue_query(${language}, ${phrase}, ${isObjection})`,
        statements: [
          ['select public.objection_cue_query($1, $2, $3)::text as v', [language, phrase, isObjection]],
        ],
      }),
    ),
  ]),
]);

type Answers = Map<string, string>;

async function answer(tx: Queryable, probe: Probe): Promise<string> {
  await tx.query('savepoint probe');
  try {
    let last: { v: unknown }[] = [];
    for (const [text, params] of probe.statements) last = await tx.query<{ v: unknown }>(text, params ?? []);
    const v = last[0]?.v;
    return v === null || v === undefined ? 'NULL' : `= ${String(v)}`;
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (typeof code !== 'string') throw error;
    return `error ${code}`;
  } finally {
    await tx.query('rollback to savepoint probe');
  }
}

/** Asks every probe under each claims, as the server's withTenant does (role authenticated, claims local). */
async function ask(db: Database, claimsList: Claims[], probes: Probe[], into: Answers, phase: string) {
  for (const claims of claimsList) {
    await db.transaction(async (tx) => {
      if (claims.setting !== undefined)
        await tx.query(`select set_config('request.jwt.claims', $1, true)`, [claims.setting]);
      await tx.query(`select set_config('role', 'authenticated', true)`);
      for (const probe of probes)
        into.set(`${phase} ${probe.name} under ${claims.name}`, await answer(tx, probe));
    });
  }
}

async function record(db: Database, withFixture: boolean): Promise<Answers> {
  const answers: Answers = new Map();
  await ask(db, oddClaims, claimProbes, answers, 'empty:');
  await db.transaction(addFixture);
  const claims = [...oddClaims, ...kindClaims, ...billingClaims];
  await ask(db, claims, claimProbes, answers, 'rows:');
  await ask(db, [raw('{}')], textProbes, answers, 'text:');
  if (!withFixture) await db.transaction(removeFixture);
  return answers;
}

function changed(before: Answers, after: Answers): string[] {
  return [...new Set([...before.keys(), ...after.keys()])].filter((k) => before.get(k) !== after.get(k));
}

const differences = (before: Answers, after: Answers, keys = changed(before, after)) =>
  keys.map((k) => `${k}: ${before.get(k)} → ${after.get(k)}`);

interface Run {
  before: Answers;
  after: Answers;
}

async function run(driver: DriverName): Promise<Run> {
  const db = await emptyDatabase(driver);
  try {
    const migrations = (await readMigrations(migrationsDir)).filter((m) => m.version <= REWRITE);
    expect(migrations.at(-1)?.version).toBe(REWRITE);
    await migrate(db, migrations.slice(0, -1));
    const before = await record(db, false);
    expect(await migrate(db, migrations)).toEqual([REWRITE]);
    return { before, after: await record(db, true) };
  } finally {
    await db.close();
  }
}

describe('policy helpers before and after their PL/pgSQL rewrite', () => {
  const runs = {} as Record<DriverName, Run>;
  beforeAll(async () => {
    for (const driver of drivers) runs[driver] = await run(driver);
  }, 600_000);

  it.each(drivers)(
    'asked what they claim to ask on %s: members, visitors, errors and billing answer apart',
    (driver) => {
      const at = (key: string) => runs[driver].after.get(key);
      const a = JSON.stringify;
      const owner = { org_id: ids.orgA, sub: ids.owner };
      expect(at(`rows: current_org_id under ${a(a(owner))}`)).toBe(`= ${ids.orgA}`);
      expect(at(`rows: current_org_id under ${a(a({ org_id: ids.orgA, sub: ids.outsider }))}`)).toBe('NULL');
      expect(at(`rows: current_org_id under ${a('{')}`)).toBe('error 22P02');
      expect(at(`rows: current_org_id under ${a(a({ org_id: 'not-a-uuid' }))}`)).toBe('error 22P02');
      const visitor = {
        org_id: ids.orgA,
        kind: 'publishable',
        agent_id: ids.agentA,
        visitor_token_hash: tokenA,
      };
      expect(at(`rows: visitor_conversation_id under ${a(a(visitor))}`)).toBe(`= ${ids.conversationA}`);
      expect(at(`rows: may_manage_members under ${a(a({ ...owner, kind: 'member' }))}`)).toBe('= true');
      const member = { org_id: ids.orgA, sub: ids.member };
      expect(at(`rows: may_manage_members under ${a(a(member))}`)).toBe('= true'); // no kind: the server's own
      expect(at(`rows: current_member_role under ${a(a(member))}`)).toBe('= member');
      expect(at(`rows: kommo_connected under ${a(a({ org_id: ids.orgA }))}`)).toBe('= true');
      const plans = billingCases.map((c) => at(`rows: billing_plan under ${a(a({ org_id: c.orgId }))}`));
      expect(new Set(plans)).toEqual(new Set(['= pro', '= free']));
      expect(at(`text: objection_cue_query(ru, дорого, true) under ${a('{}')}`)).toBe("= 'дор'");
      expect(runs[driver].before.size).toBe(runs[driver].after.size);
    },
  );

  it('give on PostgreSQL 15 the same answer as before, or fail with the same SQLSTATE, for every helper and input', () => {
    expect(differences(runs.postgres.before, runs.postgres.after)).toEqual([]);
  });

  it('give on PGlite the same answer as before, but where PostgreSQL 15 refused claims its SQL versions let by', () => {
    // PGlite is PostgreSQL 18, which caches SQL functions' plans: there the SQL versions cast a claim only when a
    // row needed it, and answered some claims that are not uuids (an empty `sub` among them). PostgreSQL 15
    // refused those (22P02); the PL/pgSQL versions refuse them on both, as production always did.
    const { before, after } = runs.pglite;
    const pg15 = runs.postgres.before;
    const unexplained = changed(before, after).filter(
      (key) => !(after.get(key) === 'error 22P02' && pg15.get(key) === 'error 22P02'),
    );
    expect(differences(before, after, unexplained)).toEqual([]);
  });
});
