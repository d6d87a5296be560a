// `pnpm bench` (live channel): the local stack as `pnpm start --memory` runs it (PGlite, its own process) holds
// 500 open `GET /chat/conversations/:id/events` streams; operator messages are posted one at a time through
// `POST /conversations/:id/messages` and timed until the visitor's stream delivers them. Prints latency p50/p95
// against the budget (p95 ≤ 100 ms), the stack's resident memory per idle channel (budget ≤ 50 KB) and the load
// average, since the machine is shared. Loopback only; every wait is bounded.
import { type ChildProcess, spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../supabase/tests/helpers/denoFunction.ts';
import { percentile } from './streams.ts';

const CHANNELS = Number(process.env.BENCH_CHANNELS ?? 500);
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 200);
const BUDGET_P95_MS = 100;
const BUDGET_KB_PER_CHANNEL = 50;
const ORIGIN = 'https://bench.example';

// A port the kernel says is free (a random pick could land on one in use: the stack would then refuse to start).
const port = await freePort();
const base = `http://127.0.0.1:${port}/functions/v1`;
const stack = await startStack(port);
const ms = (n: number) => `${n.toFixed(1)} ms`;

async function api<T>(method: string, path: string, credential: string, body?: unknown): Promise<T> {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${credential}`,
      // A browser's Origin for the visitor's key; none for the secret key (server-side only).
      ...(credential.startsWith('pk_') ? { origin: ORIGIN } : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

/** One visitor's open channel: resolves `waitFor(messageId)` when that message arrives. */
function openChannel(publishableKey: string, conversationId: string, token: string) {
  const waiting = new Map<string, (at: number) => void>();
  const arrived = new Map<string, number>();
  let opened!: () => void;
  const open = new Promise<void>((resolve) => {
    opened = resolve;
  });
  const controller = new AbortController();
  // The message events' ids as they arrive (enough for timing; the SDK and tests parse the stream properly).
  const seen = (text: string) => {
    const at = performance.now();
    for (const match of text.matchAll(/"messageId":"([0-9a-f-]{36})"/g)) {
      const waiter = waiting.get(match[1]!);
      if (waiter) waiter(at);
      else arrived.set(match[1]!, at);
    }
  };
  const done = fetch(`${base}/chat/conversations/${conversationId}/events`, {
    headers: { authorization: `Bearer ${publishableKey}`, origin: ORIGIN, 'x-visitor-token': token },
    signal: controller.signal,
  })
    .then(async (response) => {
      const reader = response.body!.getReader();
      const decoder = new TextDecoder();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        opened();
        seen(decoder.decode(value, { stream: true }));
      }
    })
    .catch(() => undefined);
  return {
    open,
    done,
    close: () => controller.abort(),
    waitFor: (messageId: string) =>
      new Promise<number>((resolve, reject) => {
        const early = arrived.get(messageId);
        if (early !== undefined) return resolve(early);
        const timer = setTimeout(() => reject(new Error(`message ${messageId} never arrived`)), 10_000);
        waiting.set(messageId, (at) => {
          clearTimeout(timer);
          resolve(at);
        });
      }),
  };
}

let exitCode = 0;
const channels: ReturnType<typeof openChannel>[] = [];
try {
  const agent = await api<{ id: string; publishableKey: string }>('POST', '/agents', stack.secretKey, {
    name: 'Bench Live',
    allowedOrigins: [ORIGIN],
    rateLimits: { visitorPerMinute: 1000, ipPerMinute: 10_000 },
  });
  const conversations: { id: string; token: string }[] = [];
  for (let i = 0; i < CHANNELS; i += 10) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(10, CHANNELS - i) }, () =>
        api<{ conversationId: string; visitorToken: string }>('POST', '/chat', agent.publishableKey, {
          message: 'Hello',
        }),
      ),
    );
    conversations.push(...batch.map((r) => ({ id: r.conversationId, token: r.visitorToken })));
  }
  await new Promise((resolve) => setTimeout(resolve, 2000));
  const rssBefore = await stack.rssKb();
  for (const c of conversations) channels.push(openChannel(agent.publishableKey, c.id, c.token));
  await Promise.all(channels.map((c) => c.open));
  await new Promise((resolve) => setTimeout(resolve, 2000));
  const rssAfter = await stack.rssKb();
  const perChannelKb = (rssAfter - rssBefore) / CHANNELS;

  const latencies: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    const index = Math.floor(Math.random() * CHANNELS);
    const sentAt = performance.now();
    const sent = await api<{ id: string }>(
      'POST',
      `/conversations/${conversations[index]!.id}/messages`,
      stack.secretKey,
      { content: `Operator message ${i}`, displayName: 'Olga' },
    );
    latencies.push((await channels[index]!.waitFor(sent.id)) - sentAt);
  }
  const [one, five, fifteen] = loadavg().map((n) => n.toFixed(2));
  const p95 = percentile(latencies, 95);
  console.log(
    `\nLive channel: ${CHANNELS} open streams on the local stack (PGlite, its own process), ${SAMPLES} operator messages one at a time`,
  );
  console.log('| measure | value |');
  console.log('| --- | --- |');
  console.log(`| operator message → visitor's stream, p50 | ${ms(percentile(latencies, 50))} |`);
  console.log(`| operator message → visitor's stream, p95 | ${ms(p95)} |`);
  console.log(`| stack resident memory per idle channel | ${perChannelKb.toFixed(1)} KB |`);
  console.log(`| load average (1, 5, 15 min) | ${one}, ${five}, ${fifteen} |`);
  console.log(
    `budget: p95 ≤ ${BUDGET_P95_MS} ms — ${p95 <= BUDGET_P95_MS ? 'met' : 'NOT met'}; ≤ ${BUDGET_KB_PER_CHANNEL} KB per idle channel — ${perChannelKb <= BUDGET_KB_PER_CHANNEL ? 'met' : 'NOT met'}`,
  );
} catch (error) {
  console.error(error);
  exitCode = 1;
} finally {
  for (const channel of channels) channel.close();
  if (process.env.BENCH_DEBUG) console.error(stack.output().slice(-3000));
  await stack.stop();
}
process.exit(exitCode);

/** Runs packages/local's main.ts with a throwaway PGlite, as `pnpm start --memory` would. */
async function startStack(
  port: number,
): Promise<{ secretKey: string; output(): string; rssKb(): Promise<number>; stop(): Promise<void> }> {
  const child: ChildProcess = spawn(
    process.execPath,
    ['--import', 'tsx', '--conditions=@closer/source', 'src/main.ts', '--memory', '--port', String(port)],
    {
      cwd: fileURLToPath(new URL('../../packages/local/', import.meta.url)),
      // Streams stay open for the whole run (they would end after 120 s and reconnect).
      env: {
        ...process.env,
        LLM_BASE_URL: '',
        OPENROUTER_API_KEY: '',
        DATABASE_URL: '',
        CLOSER_EVENTS_STREAM_SECONDS: '900',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  const ready = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the stack did not start:\n${output}`)), 120_000);
    child.stdout?.on('data', (data) => {
      output += data;
      const key = /secret key (sk_\S+)/.exec(output)?.[1];
      if (key && output.includes('Closer local stack ready')) {
        clearTimeout(timer);
        resolve(key);
      }
    });
    child.stderr?.on('data', (data) => (output += data));
    child.once('exit', (code) => reject(new Error(`the stack exited with ${code}:\n${output}`)));
  });
  const secretKey = await ready;
  return {
    secretKey,
    output: () => output,
    rssKb: async () => {
      const status = await readFile(`/proc/${child.pid}/status`, 'utf8').catch(() => '');
      return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0);
    },
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
      }),
  };
}
