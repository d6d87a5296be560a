// The background work a long-lived process runs for itself (the local stack, the self-hosted server); on
// Supabase pg_cron calls the same steps through the worker routes (docs/deploying.md).
import type { RepeatedJob } from '@closer/functions/_shared/background.ts';
import type { Database } from '@closer/functions/_shared/db/types.ts';
import type { Env } from '@closer/functions/_shared/env.ts';
import { startHandoffWorker } from '@closer/functions/_shared/handoff/pickup.ts';
import { embeddingLeaseMs, startEmbeddingWorker } from '@closer/functions/_shared/knowledge/embeddingJobs.ts';
import {
  extractionTimeoutMs,
  startSourceWorker,
} from '@closer/functions/_shared/knowledge/sources/worker.ts';
import { startKommoWorker } from '@closer/functions/_shared/kommo/leadSync.ts';
import { startRetentionWorker } from '@closer/functions/_shared/privacy/retention.ts';
import type { Runtime } from '@closer/functions/_shared/runtime.ts';
import { startWebhookWorker } from '@closer/functions/_shared/webhooks/worker.ts';
import { outboundFetches } from './crawlFetch.ts';
import { type ReaderProcess, readerMemoryMb, startReaderProcess } from './extraction/readerProcesses.ts';

/** How often the workers run, in milliseconds; 0 turns a group off. */
export interface WorkerIntervals {
  /** Kommo's outbox (this period); webhooks (at most 2 s), handoff pickup timeouts and embeddings (at most 5 s); retention hourly. */
  outboxMs: number;
  /** Knowledge sources: file parsing and web crawling steps. */
  sourcesMs: number;
}

/**
 * Starts every background worker of this process. `stop()` stops them all and resolves once the runs in
 * progress have ended (each worker finishes its current step; none starts another).
 */
export function startWorkers(db: Database, env: Env, runtime: Runtime, every: WorkerIntervals): RepeatedJob {
  const jobs: RepeatedJob[] = [];
  // Pages and webhook endpoints are addresses tenants chose: connections go only to checked addresses.
  const outbound = outboundFetches(env);
  if (every.outboxMs > 0) {
    jobs.push(
      startKommoWorker({ db, env, fetch }, every.outboxMs),
      startWebhookWorker({ db, env, fetch: outbound.webhooks }, Math.min(every.outboxMs, 2_000)),
      startHandoffWorker({ db }, Math.min(every.outboxMs, 5_000)),
      startRetentionWorker(db),
    );
    if (runtime.semantic)
      jobs.push(
        startEmbeddingWorker(
          { db, search: runtime.semantic, leaseMs: embeddingLeaseMs(env) },
          Math.min(every.outboxMs, 5_000),
        ),
      );
  }
  let readers: ReaderProcess | null = null;
  if (every.sourcesMs > 0) {
    extractionTimeoutMs(env); // A bad setting stops the start, naming the variable.
    // Files, pages and sitemaps are read in a child process: no document can stall or end this one.
    readers = startReaderProcess(readerMemoryMb(env));
    jobs.push(
      startSourceWorker(
        { db, env, fetch: outbound.crawl, uploads: runtime.uploads, readers },
        every.sourcesMs,
      ),
    );
  }
  return {
    async stop() {
      // A read in progress is abandoned rather than awaited: its step is retried (ReaderUnavailable).
      await Promise.all([...jobs.map((job) => job.stop()), readers?.close()]);
    },
  };
}
