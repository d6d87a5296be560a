// Create an agent, load its knowledge from ./knowledge/*.md (with progress), then stream a chat to the terminal.
//   CLOSER_URL=http://localhost:54321/functions/v1 CLOSER_SECRET_KEY=sk_… pnpm start "Do you ship abroad?"
import { readdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { type CloserError, createClient, type KnowledgeItemCreate } from '@closer/sdk';

const url = process.env.CLOSER_URL ?? 'http://localhost:54321/functions/v1';
const secretKey = process.env.CLOSER_SECRET_KEY;
if (!secretKey) {
  console.error('Set CLOSER_SECRET_KEY (pnpm start prints the demo organisation key).');
  process.exit(1);
}
const question = process.argv[2] ?? 'What do you sell, and how do I order?';
const closer = createClient({ url, secretKey });

// One Markdown file = one knowledge item: the first "# heading" is the title, the rest the content.
const dir = new URL('./knowledge/', import.meta.url).pathname;
const files = (await readdir(dir)).filter((file) => file.endsWith('.md')).sort();
const items: KnowledgeItemCreate[] = await Promise.all(
  files.map(async (file) => {
    const text = await readFile(join(dir, file), 'utf8');
    const heading = /^#\s+(.+)$/m.exec(text);
    return {
      title: heading?.[1]?.trim() ?? basename(file, '.md'),
      content: text.replace(/^#\s+.+$/m, '').trim(),
      source: file,
    };
  }),
);

try {
  const agent = await closer.agents.create({
    name: `Bookshop assistant ${new Date().toISOString().slice(11, 19)}`,
    persona: 'You are the friendly assistant of Lumen Books, an online bookshop.',
    goal: "Help the visitor find a book and leave an e-mail for the shop's newsletter.",
  });
  console.log(`Agent ${agent.name} (${agent.id}); widget key ${agent.publishableKey}`);

  // Batches of up to 500 are stored all or nothing; small batches show progress.
  const batch = 2;
  for (let done = 0; done < items.length; done += batch) {
    await closer.agents.knowledge.createMany(agent.id, items.slice(done, done + batch));
    const loaded = Math.min(done + batch, items.length);
    const bar = '█'.repeat(Math.round((loaded / items.length) * 20)).padEnd(20, '░');
    process.stdout.write(`\rKnowledge ${bar} ${loaded}/${items.length}`);
  }
  process.stdout.write('\n\n');

  console.log(`> ${question}\n`);
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
