// Create an agent, load a folder of mixed files (PDF, DOCX, CSV, HTML, Markdown) as knowledge sources with a
// progress bar, then stream a chat to the terminal.
//   CLOSER_URL=http://localhost:54321/functions/v1 CLOSER_SECRET_KEY=sk_… pnpm start "Do you ship abroad?"
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type CloserError, createClient, type KnowledgeSource, SourceFailedError } from '@closer/sdk';

const url = process.env.CLOSER_URL ?? 'http://localhost:54321/functions/v1';
const secretKey = process.env.CLOSER_SECRET_KEY;
if (!secretKey) {
  console.error('Set CLOSER_SECRET_KEY (pnpm start prints the demo organisation key).');
  process.exit(1);
}
const question = process.argv[2] ?? 'What do you sell, and how do I order?';
const closer = createClient({ url, secretKey });

const dir = new URL('./knowledge/', import.meta.url).pathname;
const files = (await readdir(dir)).filter((file) => /\.(pdf|docx|csv|html|md|txt)$/.test(file)).sort();

const bar = (fraction: number) => '█'.repeat(Math.round(fraction * 20)).padEnd(20, '░');
const line = (text: string) => process.stdout.write(`\r${text.padEnd(78)}`);

try {
  const agent = await closer.agents.create({
    name: `Bookshop assistant ${new Date().toISOString().slice(11, 19)}`,
    persona: 'You are the friendly assistant of Lumen Books, an online bookshop.',
    goal: "Help the visitor find a book and leave an e-mail for the shop's newsletter.",
  });
  console.log(`Agent ${agent.name} (${agent.id}); widget key ${agent.publishableKey}`);

  // Each file becomes a source: sent with upload progress, then read by the server in the background.
  const sources: KnowledgeSource[] = [];
  for (const [index, file] of files.entries()) {
    const bytes = await readFile(join(dir, file));
    sources.push(
      await closer.agents.sources.upload(agent.id, bytes, {
        fileName: file,
        onProgress: ({ percent }) => line(`Upload ${bar(percent)} ${index + 1}/${files.length} ${file}`),
      }),
    );
  }
  line(`Upload ${bar(1)} ${files.length}/${files.length} files sent`);
  process.stdout.write('\n');

  // Wait for every source; the bar counts the units read (pages, rows, sections) across all of them.
  const progress = new Map(sources.map((source) => [source.id, source]));
  const show = () => {
    const all = [...progress.values()];
    const done = all.reduce(
      (sum, s) =>
        sum + (s.status === 'ready' ? 1 : s.progress.total ? s.progress.done / s.progress.total : 0),
      0,
    );
    line(
      `Reading ${bar(done / all.length)} ${all.filter((s) => s.status === 'ready').length}/${all.length} ready`,
    );
  };
  const results = await Promise.allSettled(
    sources.map((source) =>
      closer.agents.sources
        .waitUntilReady(agent.id, source.id, {
          intervalMs: 500,
          onProgress: (current) => {
            progress.set(current.id, current);
            show();
          },
        })
        .then((ready) => {
          progress.set(ready.id, ready);
          show();
          return ready;
        }),
    ),
  );
  process.stdout.write('\n');
  for (const result of results) {
    if (result.status === 'fulfilled')
      console.log(`  ✓ ${result.value.name}: ${result.value.itemCount} item(s)`);
    else if (result.reason instanceof SourceFailedError)
      console.log(`  ✗ ${result.reason.source.name}: ${result.reason.source.failureReason}`);
    else throw result.reason;
  }

  console.log(`\n> ${question}\n`);
  const stream = closer.chat.stream({ agentId: agent.id, message: question });
  for await (const text of stream.textStream) process.stdout.write(text);
  const reply = await closer.conversations.list({ agentId: agent.id, limit: 1 });
  console.log(`\n\n(conversation ${reply.data[0]?.id})`);
} catch (error) {
  const e = error as CloserError;
  console.error(
    `\n${e.name} ${e.status} ${e.code}: ${e.message}${e.requestId ? ` (request ${e.requestId})` : ''}`,
  );
  process.exit(1);
}
