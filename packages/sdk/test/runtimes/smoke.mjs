// Run by Node and Deno against the *built* package: the same calls an app makes.
import { createChatClient } from '../../dist/chat.js';
import { createClient, NotFoundError } from '../../dist/index.js';

const url = globalThis.process?.argv?.[2] ?? globalThis.Deno?.args?.[0];
const closer = createClient({ url, secretKey: 'sk_smoke_0123456789abcdefghij' });
const health = await closer.health.check();
let notFound = false;
try {
  await closer.agents.retrieve('00000000-0000-4000-8000-000000000000');
} catch (error) {
  notFound = error instanceof NotFoundError;
}
const reply = await createChatClient({ url, publishableKey: 'pk_smoke_0123456789' }).send({ message: 'Hi' });
console.log(JSON.stringify({ health, notFound, text: reply.text }));
