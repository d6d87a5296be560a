// `pnpm bench:phases`: where the stack's CPU goes in one chat turn, accounted exactly rather than sampled. The local
// stack's app runs in this process over a throwaway PostgreSQL 15 cluster (as concurrentStreams.ts runs it, minus
// the background workers); the stand-in model (40 tokens × 5 ms) and the client run in processes of their own, and
// the client sends the turns one after another, so at any moment this process works for one turn only. Every
// microsecond of this process's CPU (process.cpuUsage: all its threads, garbage collection included) is charged to
// the phase the turn is in, switched at its boundaries by wrappers around the stack's parts (nothing in the stack
// is changed):
//   between turns    → the HTTP server's `request` event  (the request read and parsed; the last response closed)
//   HTTP in, Hono    → the secret key looked up            (Hono, CORS, request id, body limit…)
//   auth             → the body read                       (key check; trusted keys: no database)
//   validation       → the first database call             (body text, JSON.parse, zod)
//   turn preparation → the upstream fetch                  (agent + spend count, the turn's transaction, prompt)
//   upstream + relay → the next database call             (the model's stream read, parsed and relayed)
//   finishing        → the response's `finish`             (reply and tokens stored, `done`, the stream closed)
// Within those, synchronous calls are charged to their own lines, whatever the phase: every socket write system
// call (to PostgreSQL, the upstream, the client: an HTTP response's writes are corked and flushed a tick after
// res.write returns), postgres.js reading answers, the HTTP client reading the model's stream. Variants, to subtract:
// the model's 40 tokens in one write (no wake-up a token: what the tokens cost besides waking), one token, and the
// model called over a bare node:http request instead of fetch; first of all, the bench turn's CPU with no wrapper
// installed (what the accounting itself costs). BENCH_TURNS (default 200) turns a variant, after 100 to warm up;
// BENCH_CONCURRENCY, BENCH_VARIANT below. Measures taken with it: docs/benchmarks.md, "Eighth pass".
import { type ChildProcess, fork } from 'node:child_process';
import { request as httpRequest, type IncomingMessage, ServerResponse } from 'node:http';
import { type AddressInfo, Socket } from 'node:net';
import { PerformanceObserver } from 'node:perf_hooks';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { createAdaptorServer } from '@hono/node-server';
import { createLocalApp } from '../../packages/local/src/server.ts';
import type { Database } from '../../supabase/functions/_shared/db/types.ts';
import { createRuntime, type Runtime } from '../../supabase/functions/_shared/runtime.ts';
import { startPostgresCluster } from '../../supabase/tests/helpers/postgresCluster.ts';
import { reply } from './ipc.ts';
import type { SequentialRequest } from './sequentialClient.ts';
import { unlimitedDatabase, unlimitedEnv } from './unlimitedTurns.ts';

const TURNS = Number(process.env.BENCH_TURNS ?? 200);
const WARM_UP = 100;
// BENCH_VARIANT=<n>: only the n-th measured variant (1–4), without the unwrapped run (e.g. under --cpu-prof).
const ONLY = process.env.BENCH_VARIANT;
// BENCH_CONCURRENCY=<n> (default 1): turns at once. Above 1, turns overlap and only the totals and the synchronous
// calls' lines mean anything (the phase lines then mix turns).
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 1);
const tsx = ['--import', 'tsx', '--conditions=@closer/source'];
const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));

/** This process's CPU time so far (user + system, every thread), in microseconds. */
const cpuNow = () => {
  const { user, system } = process.cpuUsage();
  return user + system;
};
const systemNow = () => process.cpuUsage().system;

/**
 * Charges CPU to the turn's phase (`phase`), and within it to a synchronous call (`within`; nested calls to the
 * innermost). Every microsecond between two switches goes to exactly one phase, and to at most one call in it.
 */
class Ledger {
  on = false;
  /** Phase → call ('' for the phase's own code) → microseconds. */
  readonly totals = new Map<string, Map<string, number>>();
  /** Phase → call → how many. */
  readonly calls = new Map<string, Map<string, number>>();
  private base = 'between turns';
  private readonly inner: string[] = [];
  private since = cpuNow();

  private charge(): void {
    const now = cpuNow();
    if (this.on) add(this.totals, this.base, this.inner.at(-1) ?? '', now - this.since);
    this.since = now;
  }

  phase(label: string): void {
    this.charge();
    this.base = label;
  }

  within<T>(label: string, call: () => T): T {
    this.charge();
    this.inner.push(label);
    if (this.on) add(this.calls, this.base, label, 1);
    try {
      return call();
    } finally {
      this.charge();
      this.inner.pop();
    }
  }

  reset(): void {
    this.totals.clear();
    this.calls.clear();
    this.since = cpuNow();
  }
}

function add(map: Map<string, Map<string, number>>, outer: string, inner: string, amount: number): void {
  const row = map.get(outer) ?? new Map<string, number>();
  row.set(inner, (row.get(inner) ?? 0) + amount);
  map.set(outer, row);
}

const ledger = new Ledger();

type Stage = 'between' | 'request' | 'auth' | 'validation' | 'preparing' | 'relaying' | 'finishing';
let stage: Stage = 'between';
const PHASES = {
  between: 'between turns: request read and parsed, last response closed',
  request: 'HTTP in: @hono/node-server, Hono routing and middleware',
  auth: 'auth: secret key check',
  validation: 'request validation: body, JSON.parse, zod',
  preparing: 'turn preparation: agent + spend count, turn transaction, prompt',
  relaying: 'upstream call and relay: fetch, SSE parsing, deltas to the client',
  finishing: 'finishing: reply and tokens stored, done, stream closed',
} as const satisfies Record<Stage, string>;
const moveTo = (next: Stage) => {
  stage = next;
  ledger.phase(PHASES[next]);
};

// The stand-in models: the bench's 40 tokens × 5 ms, the same 40 in one write, and one token.
const models = {
  forty: await startModel(40, 5),
  fortyAtOnce: await startModel(40, 0),
  one: await startModel(1, 5),
};
const client = fork(here('./sequentialClient.ts'), [], { execArgv: tsx });
const cluster = await startPostgresCluster();
const { db, secretKey } = await unlimitedDatabase(cluster.url);
const modelPorts = new Set(Object.values(models).map((m) => Number(new URL(m.url).port)));

/** A variant: a server on its own port whose runtime calls `modelUrl`, with fetch or node:http. */
async function startVariant(modelUrl: string) {
  const runtime = createRuntime(watchedDatabase(db), unlimitedEnv(modelUrl));
  watchKeyCheck(runtime);
  const app = createLocalApp(runtime);
  const server = createAdaptorServer({ fetch: app.fetch });
  server.prependListener('request', (_request: IncomingMessage, response: ServerResponse) => {
    moveTo('request');
    response.once('finish', () => moveTo('between'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return { functionsUrl: `http://127.0.0.1:${port}/functions/v1`, close: () => server.close() };
}

let bareHttp = false;
const gc = { ms: 0 };
new PerformanceObserver((list) => {
  if (ledger.on) for (const entry of list.getEntries()) gc.ms += entry.duration;
}).observe({ entryTypes: ['gc'] });

const results: {
  name: string;
  perTurnMs: number;
  systemMs: number;
  completed: number;
  gcMs: number;
  totals: Ledger['totals'];
  calls: Ledger['calls'];
}[] = [];

try {
  if (!ONLY) {
    // First the whole turn's CPU with nothing wrapped, then the hooks go in for good.
    const plain = await startVariant(models.forty.url);
    await turns(plain.functionsUrl, WARM_UP);
    const before = cpuNow();
    const systemBefore = systemNow();
    const plainDone = await turns(plain.functionsUrl, TURNS);
    results.push({
      name: '40 tokens × 5 ms, no accounting wrappers (total only)',
      perTurnMs: (cpuNow() - before) / 1000 / TURNS,
      systemMs: (systemNow() - systemBefore) / 1000 / TURNS,
      completed: plainDone,
      gcMs: Number.NaN,
      totals: new Map(),
      calls: new Map(),
    });
    plain.close();
  }
  installHooks();
  const variants = [
    { name: '40 tokens × 5 ms (the bench turn), fetch', url: models.forty.url, bare: false },
    { name: '40 tokens in one write, fetch', url: models.fortyAtOnce.url, bare: false },
    { name: '1 token, fetch', url: models.one.url, bare: false },
    { name: '40 tokens × 5 ms, bare node:http instead of fetch', url: models.forty.url, bare: true },
  ];
  for (const [index, variant] of variants.entries())
    if (!ONLY || ONLY === String(index + 1)) await measure(variant.name, variant.url, variant.bare);
  print();
} finally {
  client.disconnect();
  for (const model of Object.values(models)) model.process.disconnect();
  await db.close();
  await cluster.stop();
}
process.exit(0);

async function measure(name: string, modelUrl: string, bare: boolean): Promise<void> {
  bareHttp = bare;
  const variant = await startVariant(modelUrl);
  await turns(variant.functionsUrl, WARM_UP);
  ledger.reset();
  gc.ms = 0;
  ledger.on = true;
  const before = cpuNow();
  const systemBefore = systemNow();
  const completed = await turns(variant.functionsUrl, TURNS);
  const spent = cpuNow() - before;
  const system = systemNow() - systemBefore;
  ledger.on = false;
  results.push({
    name,
    perTurnMs: spent / 1000 / TURNS,
    systemMs: system / 1000 / TURNS,
    completed,
    gcMs: gc.ms / TURNS,
    totals: new Map(ledger.totals),
    calls: new Map(ledger.calls),
  });
  variant.close();
}

async function turns(functionsUrl: string, count: number): Promise<number> {
  const request: SequentialRequest = { functionsUrl, secretKey, count, concurrency: CONCURRENCY };
  client.send(request);
  const { completed } = await reply<{ completed: number }>(client);
  if (completed !== count) throw new Error(`${count - completed} of ${count} turns failed`);
  return completed;
}

function print(): void {
  const ms = (us: number) => (us / 1000 / TURNS).toFixed(3);
  const sumOf = (row: Map<string, number> | undefined) =>
    [...(row?.values() ?? [])].reduce((a, b) => a + b, 0);
  const how = CONCURRENCY === 1 ? 'one after another' : `${CONCURRENCY} at a time: phase lines mix turns`;
  console.log(`\nStack CPU a chat turn (${TURNS} turns ${how}, PostgreSQL 15, ms a turn):\n`);
  for (const r of results) {
    console.log(
      `### ${r.name}: ${r.perTurnMs.toFixed(3)} ms a turn, ${r.systemMs.toFixed(3)} ms of it in the kernel (${r.completed} done)`,
    );
    if (r.totals.size === 0) continue;
    console.log(`garbage collection pauses (inside the phases below): ${r.gcMs.toFixed(3)} ms a turn`);
    console.log('| phase, and the calls inside it | ms a turn | calls a turn |\n| --- | --- | --- |');
    const everyCall = new Map<string, { us: number; n: number }>();
    for (const phase of Object.values(PHASES)) {
      const row = r.totals.get(phase);
      if (!row) continue;
      console.log(`| ${phase} | ${ms(sumOf(row))} | |`);
      for (const [call, us] of row) {
        if (call === '') continue;
        const n = r.calls.get(phase)?.get(call) ?? 0;
        console.log(`|   ↳ ${call} | ${ms(us)} | ${(n / TURNS).toFixed(1)} |`);
        const seen = everyCall.get(call) ?? { us: 0, n: 0 };
        everyCall.set(call, { us: seen.us + us, n: seen.n + n });
      }
    }
    console.log(`| sum | ${ms([...r.totals.values()].reduce((a, row) => a + sumOf(row), 0))} | |`);
    for (const [call, { us, n }] of everyCall)
      console.log(`| all phases: ${call} | ${ms(us)} | ${(n / TURNS).toFixed(1)} |`);
    console.log('');
  }
}

/** Phase switches and call accounting, around the stack's parts (prototypes patched for this process only). */
function installHooks(): void {
  // Every socket write system call goes through _writeGeneric (write and writev alike; an HTTP response's are
  // corked and flushed on the next tick, after res.write has returned).
  const socketPrototype = Socket.prototype as unknown as Record<string, (...a: unknown[]) => unknown>;
  const writeGeneric = socketPrototype._writeGeneric!;
  socketPrototype._writeGeneric = function (this: Socket, ...args: unknown[]) {
    const label =
      this.remotePort === cluster.port
        ? 'PostgreSQL: socket writes'
        : modelPorts.has(this.remotePort ?? -1)
          ? 'upstream: socket writes (the request)'
          : 'client: socket writes (the response)';
    return ledger.within(label, () => writeGeneric.apply(this, args));
  };
  const emit = Socket.prototype.emit as (this: Socket, event: string | symbol, ...args: unknown[]) => boolean;
  Socket.prototype.emit = function (this: Socket, event: string | symbol, ...args: unknown[]) {
    if (event === 'data' && this.remotePort === cluster.port)
      return ledger.within('PostgreSQL: reading answers (postgres.js)', () =>
        emit.call(this, event, ...args),
      );
    if ((event === 'data' || event === 'readable') && modelPorts.has(this.remotePort ?? -1))
      return ledger.within('upstream: socket reads (HTTP client)', () => emit.call(this, event, ...args));
    return emit.call(this, event, ...args);
  } as typeof Socket.prototype.emit;
  for (const name of ['write', 'end'] as const) {
    const original = ServerResponse.prototype[name] as (...a: unknown[]) => unknown;
    (ServerResponse.prototype as unknown as Record<string, unknown>)[name] = function (
      this: ServerResponse,
      ...args: unknown[]
    ) {
      return ledger.within('client: res.write and res.end (before the socket)', () =>
        original.apply(this, args),
      );
    };
  }
  // @hono/node-server's request reads its body through a standard Request's text() (Hono's validator asks it).
  const { text } = Request.prototype;
  Request.prototype.text = function (this: Request) {
    if (stage === 'auth' || stage === 'request') moveTo('validation');
    return text.call(this);
  };
  const upstreamFetch = globalThis.fetch;
  globalThis.fetch = ((input: string | URL | Request, init?: RequestInit) => {
    if (stage === 'preparing') moveTo('relaying');
    return bareHttp ? nodeHttpFetch(String(input), init ?? {}) : upstreamFetch(input, init);
  }) as typeof fetch;
}

/** The database, with a switch to `preparing` (before the model) or `finishing` (after it) at each call. */
function watchedDatabase(database: Database): Database {
  const switchOnCall = () => {
    if (stage === 'request' || stage === 'auth' || stage === 'validation') moveTo('preparing');
    else if (stage === 'relaying') moveTo('finishing');
  };
  return new Proxy(database, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver);
      if (typeof value !== 'function') return value;
      const watched = ['query', 'transaction', 'atOnce'].includes(String(key));
      return (...args: unknown[]) => {
        if (watched) switchOnCall();
        return value.apply(target, args);
      };
    },
  });
}

function watchKeyCheck(runtime: Runtime): void {
  const keys = runtime.trustedKeys;
  const get = keys.get.bind(keys);
  keys.get = (secret: string) => {
    if (stage === 'request') moveTo('auth');
    return get(secret);
  };
}

/** fetch's part for a POST to the model, over node:http: a Response whose body is the socket's stream. */
function nodeHttpFetch(url: string, init: RequestInit): Promise<Response> {
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(
      url,
      {
        method: init.method,
        headers: init.headers as Record<string, string>,
        signal: init.signal ?? undefined,
      },
      (incoming) => {
        const headers = new Headers();
        for (const [name, value] of Object.entries(incoming.headers))
          if (typeof value === 'string') headers.set(name, value);
        const body = Readable.toWeb(incoming) as ReadableStream<Uint8Array>;
        resolve(new Response(body, { status: incoming.statusCode ?? 500, headers }));
      },
    );
    outgoing.on('error', reject);
    outgoing.end(init.body as string);
  });
}

async function startModel(tokens: number, gapMs: number): Promise<{ url: string; process: ChildProcess }> {
  const child = fork(here('./standInModelProcess.ts'), [], {
    execArgv: tsx,
    env: { ...process.env, BENCH_TOKENS: String(tokens), BENCH_GAP_MS: String(gapMs) },
  });
  const { url } = await reply<{ url: string }>(child);
  return { url, process: child };
}
