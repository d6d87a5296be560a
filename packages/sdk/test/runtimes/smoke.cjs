// CommonJS consumers: require() of the built package.
const { createClient, NotFoundError } = require('../../dist/index.cjs');
const { createChatClient } = require('../../dist/chat.cjs');

(async () => {
  const url = process.argv[2];
  const health = await createClient({ url, secretKey: 'sk_smoke_0123456789abcdefghij' }).health.check();
  const reply = await createChatClient({ url, publishableKey: 'pk_smoke_0123456789' }).send({
    message: 'Hi',
  });
  console.log(JSON.stringify({ health, notFound: typeof NotFoundError === 'function', text: reply.text }));
})();
