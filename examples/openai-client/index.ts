// Any OpenAI client can talk to a Closer agent: `model` is the agent's slug (or id); its persona, knowledge and
// objection answers apply. Secret key only: run this on a server.
//   CLOSER_URL=http://localhost:54321/functions/v1 CLOSER_SECRET_KEY=sk_… pnpm start sunpeak-solar
import OpenAI from 'openai';

const url = process.env.CLOSER_URL ?? 'http://localhost:54321/functions/v1';
const apiKey = process.env.CLOSER_SECRET_KEY;
if (!apiKey) {
  console.error('Set CLOSER_SECRET_KEY (pnpm start prints the demo organisation key).');
  process.exit(1);
}
const model = process.argv[2] ?? 'sunpeak-solar';
const openai = new OpenAI({ apiKey, baseURL: `${url}/chat/v1` });

const messages: OpenAI.Chat.ChatCompletionMessageParam[] = [
  { role: 'system', content: 'Keep every answer under three sentences.' },
  { role: 'user', content: 'How much does a 7 kW system cost?' },
];
const first = await openai.chat.completions.create({ model, messages });
console.log(`> ${messages[1]?.content}\n${first.choices[0]?.message.content}\n`);
console.log(`(usage: ${first.usage?.prompt_tokens} in, ${first.usage?.completion_tokens} out)\n`);

messages.push({ role: 'assistant', content: first.choices[0]?.message.content ?? '' });
messages.push({ role: 'user', content: 'Is there any financing?' });
console.log(`> ${messages.at(-1)?.content}`);
const stream = await openai.chat.completions.create({ model, messages, stream: true });
for await (const chunk of stream) process.stdout.write(chunk.choices[0]?.delta?.content ?? '');
process.stdout.write('\n');
