// The embedding worker against knowledge edited while it runs, and two workers at once: on PostgreSQL with a
// pool each (PGlite: one connection, the edit lands between the worker's transactions).
import { createPostgresDatabase } from '@closer/functions/_shared/db/postgres.ts';
import type { Database } from '@closer/functions/_shared/db/types.ts';
import { EMBEDDING_JOB, runEmbeddingJobs } from '@closer/functions/_shared/knowledge/embeddingJobs.ts';
import type { Embedder, EmbedOptions } from '@closer/functions/_shared/retrieval/embedders/embedder.ts';
import { HashedNgramEmbedder } from '@closer/functions/_shared/retrieval/embedders/hashedNgrams.ts';
import type { SemanticSearch } from '@closer/functions/_shared/retrieval/semantic.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { drivers, migratedDatabase } from '../helpers/databases.ts';
import { createTenant, type TenantFixture } from '../helpers/tenants.ts';

const settings = { batchSize: 64, timeoutMs: 5000, queryTimeoutMs: 1000 };

/** The hashed embedder, running `meanwhile` (once) after reading the texts and before answering. */
class EditingEmbedder extends HashedNgramEmbedder implements Embedder {
  constructor(private meanwhile: (() => Promise<unknown>) | null) {
    super();
  }
  override async embed(texts: readonly string[], options?: EmbedOptions): Promise<number[][]> {
    const edit = this.meanwhile;
    this.meanwhile = null;
    await edit?.();
    return super.embed(texts, options);
  }
}

async function stored(db: Database, orgId: string) {
  return db.query<{ content: string; current: boolean }>(
    `select c.content, e.source_hash = md5(c.content) as current
     from public.knowledge_chunks c join public.knowledge_chunk_embeddings e on e.chunk_id = c.id
     where c.org_id = $1 order by c.content`,
    [orgId],
  );
}

describe.each(drivers)('the embedding worker racing edits on %s', (driver) => {
  let db: Database & { url?: string };
  // The edits and the second worker come through another pool where there can be one: another request.
  let other: Database | undefined;
  beforeAll(async () => {
    db = await migratedDatabase(driver);
    other = db.url ? createPostgresDatabase(db.url) : undefined;
  });
  afterAll(async () => {
    await other?.close();
    await db?.close();
  });

  it('never stores a vector of a text that changed meanwhile, and embeds the new text instead', async () => {
    const a: TenantFixture = await createTenant(db, 'Acme');
    const editor = other ?? db;
    const edit = () =>
      editor.query(`update public.knowledge_chunks set content = 'It costs less now' where org_id = $1`, [
        a.orgId,
      ]);
    const search: SemanticSearch = { embedder: new EditingEmbedder(edit), settings };

    const report = await runEmbeddingJobs({ db, search });
    // The vector of the old text was refused; the edit queued the job again (a second run of it), and the new
    // text and the article were embedded: two vectors in all, both of the current texts.
    expect(report).toMatchObject({ claimed: 2, done: 1, failed: 0, embedded: 2 });
    expect(await stored(db, a.orgId)).toEqual([{ content: 'It costs less now', current: true }]);
    const [job] = await db.query<{ status: string }>('select status from public.jobs where dedupe_key = $1', [
      `${EMBEDDING_JOB}:${a.orgId}`,
    ]);
    expect(job?.status).toBe('done');
  });

  it('lets two workers run at once without embedding anything twice', async () => {
    const tenants = [
      await createTenant(db, 'Umbrella'),
      await createTenant(db, 'Globex'),
      await createTenant(db, 'Initech'),
    ];
    const calls: string[][] = [];
    const counting = (): SemanticSearch => {
      const embedder = new HashedNgramEmbedder();
      const embed = embedder.embed.bind(embedder);
      embedder.embed = async (texts, options) => {
        calls.push([...texts]);
        return embed(texts, options);
      };
      return { embedder, settings };
    };
    const [one, two] = await Promise.all([
      runEmbeddingJobs({ db, search: counting() }),
      runEmbeddingJobs({ db: other ?? db, search: counting() }),
    ]);
    expect(one.claimed + two.claimed).toBe(3);
    expect(one.embedded + two.embedded).toBe(6);
    // Each organisation's chunk and article embedded once: six texts sent in all.
    expect(calls.flat()).toHaveLength(6);
    for (const t of tenants)
      expect(await stored(db, t.orgId)).toEqual([{ content: 'It costs money', current: true }]);
  });
});
