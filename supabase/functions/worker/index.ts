import { recheckedFetch, resolveWithDenoDns } from '../_shared/knowledge/web/recheckedFetch.ts';
import { privateCrawlAllowed } from '../_shared/outbound/addresses.ts';
import { serve } from '../_shared/serve.ts';
import { PRIVATE_WEBHOOKS_FLAG, privateWebhooksAllowed } from '../_shared/webhooks/destination.ts';
import { createWorkerApp } from './app.ts';

// Deno cannot pin connections to checked addresses; each request to a page or a webhook endpoint re-checks its
// host instead, under its own flag.
serve((runtime) =>
  createWorkerApp(runtime, {
    crawl: recheckedFetch(fetch, {
      recheck: resolveWithDenoDns,
      allowPrivate: privateCrawlAllowed(runtime.env),
    }),
    webhooks: recheckedFetch(fetch, {
      recheck: resolveWithDenoDns,
      allowPrivate: privateWebhooksAllowed(runtime.env),
      flag: PRIVATE_WEBHOOKS_FLAG,
    }),
  }),
);
