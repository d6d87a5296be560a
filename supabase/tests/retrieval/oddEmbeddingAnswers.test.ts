// An embeddings server whose error page holds bytes no column can (a proxy's gzip page sent without its
// content-encoding: NUL bytes and all), on both drivers. The worker records the failure with the reason as a
// column holds it and retries later; before, writing the reason failed (22021), so the run threw, the job stayed
// leased until its lease ran out, and the same happened at every run.
import { gzipSync } from 'node:zlib';
import { isStorableText } from '@closer/contract';
import type { Database } from '@closer/functions/_shared/db/types.ts';
import { EMBEDDING_JOB, runEmbeddingJobs } from '@closer/functions/_shared/knowledge/embeddingJobs.ts';
import { createOpenAiCompatibleEmbedder } from '@closer/functions/_shared/retrieval/embedders/openaiCompatible.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { drivers, migratedDatabase } from '../helpers/databases.ts';
import { type FakeEmbeddings, startFakeEmbeddings } from '../helpers/fakeEmbeddings.ts';
import { createTenant } from '../helpers/tenants.ts';

describe.each(drivers)('odd embeddings answers on %s', (driver) => {
  let db: Database;
  let server: FakeEmbeddings;

  beforeAll(async () => {
    db = await migratedDatabase(driver);
    server = await startFakeEmbeddings();
  });
  afterAll(async () => {
    await server?.close();
    await db?.close();
  });

  it('records an error page of raw bytes as text a column holds, and retries the job later', async () => {
    const a = await createTenant(db, 'Acme');
    const page = gzipSync('<html><body><h1>502 Bad Gateway</h1></body></html>');
    expect(page.includes(0)).toBe(true);
    server.script({ status: 502, raw: page });
    const search = {
      embedder: createOpenAiCompatibleEmbedder({
        baseUrl: server.baseUrl,
        model: 'text-embedding-3-small',
        apiKey: 'sk-test-embeddings',
        minSimilarity: 0.3,
      }),
      settings: { batchSize: 64, timeoutMs: 5000, queryTimeoutMs: 1000 },
    };
    const report = await runEmbeddingJobs({ db, search });
    expect(report).toMatchObject({ claimed: 1, pending: 1, failed: 0, lost: 0 });
    const [job] = await db.query<{ status: string; last_error: string; locked_until: Date | null }>(
      'select status, last_error, locked_until from public.jobs where dedupe_key = $1',
      [`${EMBEDDING_JOB}:${a.orgId}`],
    );
    expect(job).toMatchObject({ status: 'pending', locked_until: null });
    expect(job!.last_error).toContain('HTTP 502');
    expect(isStorableText(job!.last_error)).toBe(true);
  });
});
