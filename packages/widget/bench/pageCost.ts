// `pnpm bench:widget`: what the widget costs the page that embeds it, in Chromium with the CPU throttled 4×,
// beside the same page without a chat and beside deep-chat (the lightest full peer). Per page: the load event,
// script time until load and once settled, main-thread blocking during load (long-task time over 50 ms), the JS
// heap once settled, the time until the chat is visible, and the long tasks while a 400-token reply streams.
// deep-chat comes from its npm tarball: `npm pack deep-chat@2.4.2 && tar xzf deep-chat-2.4.2.tgz`, then
// DEEP_CHAT_BUNDLE=…/package/dist/deepChat.bundle.js (without it that column is left out).
import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { chromium, type Page } from 'playwright-core';
import { createRuntime } from '../../../supabase/functions/_shared/runtime.ts';
import { openDatabase, prepareDatabase } from '../../local/src/database.ts';
import { ensureDemoKeys } from '../../local/src/demoKeys.ts';
import { createLocalApp } from '../../local/src/server.ts';
import { startStandInModel } from '../test/browser/standInModel.ts';

const RUNS = Number(process.env.RUNS ?? 5);
const TOKENS = 400;
const TOKEN_MS = 20;
const deepChatBundle = process.env.DEEP_CHAT_BUNDLE;
const reply = Array.from({ length: TOKENS }, (_, i) => (i % 12 === 11 ? 'panels. ' : 'solar ')).join('');

const model = await startStandInModel();
const db = await openDatabase({ kind: 'memory' });
await prepareDatabase(db);
const demo = await ensureDemoKeys(db, {}, null);
const key = demo.agents.find((a) => a.language === 'en')!.publishableKey;
const app = createLocalApp(createRuntime(db, { LLM_BASE_URL: model.url }), demo);
let base = '';
// A believable shop page: a heading, text, a few images' worth of layout, its own small script.
const shop = (extra: string, head = '') => `<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">${head}<title>Shop</title></head><body>
<h1>Solar for your home</h1>${'<p>Panels, batteries and installation across the state. '.repeat(40)}</p>
<script>document.querySelector('h1').dataset.ready = '1';</script>${extra}</body></html>`;
app.get('/bench/blank', (c) => c.html(shop('')));
app.get('/bench/closer', (c) =>
  c.html(
    shop(`<script src="/widget/closer.js" data-key="${key}" data-api="${base}/functions/v1" async></script>`),
  ),
);
app.get('/bench/deep-chat.js', async (c) =>
  c.body(await readFile(deepChatBundle!, 'utf8'), 200, { 'content-type': 'text/javascript' }),
);
app.get('/bench/deep-chat', (c) =>
  c.html(
    shop(
      `<deep-chat style="position:fixed;right:20px;bottom:20px" connect='{"url":"/bench/sse","stream":true}'></deep-chat>`,
      '<script type="module" src="/bench/deep-chat.js"></script>',
    ),
  ),
);
// deep-chat's streaming format: `data: {"text": "…"}` events.
app.post('/bench/sse', () => {
  const words = reply.split(/(?<= )/);
  const encoder = new TextEncoder();
  const body = new ReadableStream({
    async start(controller) {
      for (const word of words) {
        controller.enqueue(encoder.encode(`data: ${JSON.stringify({ text: word })}\n\n`));
        await new Promise((resolve) => setTimeout(resolve, TOKEN_MS));
      }
      controller.close();
    },
  });
  return new Response(body, { headers: { 'content-type': 'text/event-stream' } });
});
const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
await new Promise((resolve) => server.once('listening', resolve));
base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu'],
});

/**
 * Records long tasks and the first frame where the chat's marker element has a box. A string, not a function:
 * tsx would wrap a function's inner functions in a `__name` helper the page does not have.
 */
const observe = (marker: string | null) => `
  window.__long = [];
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) window.__long.push([e.startTime, e.duration]);
  }).observe({ type: 'longtask', buffered: true });
  const marker = ${JSON.stringify(marker)};
  if (marker === 'closer-chat') {
    // Closer's bubble is drawn the moment its host is placed: watch <html>'s children, no per-frame polling.
    new MutationObserver((records, observer) => {
      if (records.some((r) => [...r.addedNodes].some((n) => n.nodeName === 'CLOSER-CHAT'))) {
        requestAnimationFrame(() => { window.__visible = performance.now(); });
        observer.disconnect();
      }
    }).observe(document, { childList: true, subtree: true });
  } else if (marker) {
    const [hostSelector, inner] = marker.split(' >> ');
    const check = () => {
      const host = document.querySelector(hostSelector);
      const el = inner ? host?.shadowRoot?.querySelector(inner) : host;
      if (el && el.getBoundingClientRect().width > 0) window.__visible = performance.now();
      else requestAnimationFrame(check);
    };
    requestAnimationFrame(check);
  }`;

interface Variant {
  name: string;
  path: string;
  marker: string | null;
  /** Keeps the panel from loading at the idle moment (the launcher alone). */
  launcherOnly?: boolean;
  /** Sends a message and waits for the whole reply; resolves with when it sent (the page's clock). */
  stream?: (tab: Page) => Promise<number>;
}

const variants: Variant[] = [
  { name: 'page without a chat', path: '/bench/blank', marker: null },
  {
    name: 'Closer launcher only (closer.js)',
    path: '/bench/closer',
    marker: 'closer-chat',
    launcherOnly: true,
  },
  {
    name: 'Closer, panel preloaded when idle',
    path: '/bench/closer',
    marker: 'closer-chat',
    stream: async (tab) => {
      model.script.push({ kind: 'reply', text: reply, wordMs: TOKEN_MS });
      await tab.locator('closer-chat .bubble').click();
      await tab.locator('closer-chat #closer-input').fill('Tell me everything');
      const from = await tab.evaluate(() => performance.now());
      await tab.locator('closer-chat #closer-input').press('Enter');
      await tab.locator('closer-chat .msg.assistant[data-status="complete"]').waitFor({ timeout: 120_000 });
      return from;
    },
  },
  ...(deepChatBundle
    ? [
        {
          name: 'deep-chat 2.4.2',
          path: '/bench/deep-chat',
          marker: 'deep-chat >> #text-input',
          stream: async (tab: Page) => {
            const from = await tab.evaluate(() => performance.now());
            await tab.evaluate(() =>
              (
                document.querySelector('deep-chat') as unknown as {
                  submitUserMessage(m: { text: string }): void;
                }
              ).submitUserMessage({
                text: 'Tell me everything',
              }),
            );
            await tab.waitForFunction(
              (n) =>
                (document.querySelector('deep-chat')?.shadowRoot?.querySelectorAll('.ai-message-text')?.[0]
                  ?.textContent?.length ?? 0) >= n,
              reply.trim().length - 10,
              { timeout: 120_000, polling: 200 },
            );
            return from;
          },
        } satisfies Variant,
      ]
    : []),
];

async function measure(variant: Variant) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const tab = await context.newPage();
  const cdp = await context.newCDPSession(tab);
  await cdp.send('Performance.enable');
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
  await tab.addInitScript({ content: observe(variant.marker) });
  if (variant.launcherOnly) await tab.addInitScript({ content: 'window.requestIdleCallback = () => 0;' });
  const metric = async (name: string) =>
    ((await cdp.send('Performance.getMetrics')).metrics.find((m) => m.name === name)?.value ?? 0) * 1000;
  await tab.goto(`${base}${variant.path}`, { waitUntil: 'load' });
  const scriptAtLoad = await metric('ScriptDuration');
  await tab.waitForTimeout(3000);
  const timing = await tab.evaluate(() => {
    const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming;
    const w = window as unknown as { __long: [number, number][]; __visible?: number };
    const beforeLoad = w.__long.filter(([start]) => start < nav.loadEventEnd);
    return {
      load: nav.loadEventEnd,
      blocking: beforeLoad.reduce((sum, [, d]) => sum + Math.max(0, d - 50), 0),
      visible: w.__visible ?? null,
    };
  });
  const scriptSettled = await metric('ScriptDuration');
  await cdp.send('HeapProfiler.collectGarbage');
  const heap = (await metric('JSHeapUsedSize')) / 1000 / 1024 / 1024;
  let streaming: { count: number; total: number; longest: number } | null = null;
  if (variant.stream) {
    const from = await variant.stream(tab);
    streaming = await tab.evaluate((from) => {
      const tasks = (window as unknown as { __long: [number, number][] }).__long.filter(
        ([start]) => start >= from,
      );
      return {
        count: tasks.length,
        total: tasks.reduce((s, [, d]) => s + d, 0),
        longest: Math.max(0, ...tasks.map(([, d]) => d)),
      };
    }, from);
  }
  await context.close();
  return { ...timing, scriptAtLoad, scriptSettled, heap, streaming };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const ms = (n: number | null) => (n === null ? '—' : `${n.toFixed(0)} ms`);
console.log(
  `\nWidget page cost: Chromium, CPU throttled 4×, median of ${RUNS} runs (stream: ${TOKENS} tokens, ${TOKEN_MS} ms apart)\n`,
);
console.log(
  '| page | load event | script until load | script settled (3 s) | blocking until load | JS heap | chat visible | long tasks while streaming |',
);
console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
for (const variant of variants) {
  await measure(variant); // warm-up: the first load of each page compiles cold and fills caches
  const runs: Awaited<ReturnType<typeof measure>>[] = [];
  for (let i = 0; i < RUNS; i++) runs.push(await measure(variant));
  const pick = (f: (r: (typeof runs)[number]) => number) => median(runs.map(f));
  const streams = runs.map((r) => r.streaming).filter((s) => s !== null);
  const stream = streams.length
    ? `${median(streams.map((s) => s.count))} (${median(streams.map((s) => s.total)).toFixed(0)} ms in all, longest ${median(streams.map((s) => s.longest)).toFixed(0)} ms)`
    : '—';
  console.log(
    `| ${variant.name} | ${ms(pick((r) => r.load))} | ${ms(pick((r) => r.scriptAtLoad))} | ${ms(pick((r) => r.scriptSettled))} | ${ms(pick((r) => r.blocking))} | ${pick((r) => r.heap).toFixed(2)} MB | ${variant.marker ? ms(pick((r) => r.visible ?? Number.NaN)) : '—'} | ${stream} |`,
  );
}
await browser.close();
await new Promise((resolve) => server.close(resolve));
await db.close();
await model.close();
