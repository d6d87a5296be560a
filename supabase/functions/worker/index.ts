import { privateCrawlAllowed } from '../_shared/knowledge/web/addresses.ts';
import { recheckedFetch, resolveWithDenoDns } from '../_shared/knowledge/web/recheckedFetch.ts';
import { serve } from '../_shared/serve.ts';
import { createWorkerApp } from './app.ts';

// Deno cannot pin the crawl's connections to checked addresses; each request re-checks its host instead.
serve((runtime) =>
  createWorkerApp(
    runtime,
    recheckedFetch(fetch, { recheck: resolveWithDenoDns, allowPrivate: privateCrawlAllowed(runtime.env) }),
  ),
);
