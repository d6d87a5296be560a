// Documents no person wrote: text a database column cannot hold (NUL, lone surrogates) inside a DOCX, a CSV's
// name or an HTML page. The sync reads what can be read and stores it without them; it does not fail, nor retry
// a step that can never be written, on PGlite and PostgreSQL.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import type { KnowledgeItem, KnowledgeSource, Page } from '@closer/contract';
import type { Database } from '@closer/functions/_shared/db/types.ts';
import type { SourceWorkerDeps } from '@closer/functions/_shared/knowledge/sources/worker.ts';
import { directoryStorage } from '@closer/functions/_shared/storage/directory.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Api, createApi } from '../helpers/api.ts';
import { drivers, migratedDatabase } from '../helpers/databases.ts';
import { docxOfRawXml } from '../helpers/documents.ts';
import { uploadFile, workUntilIdle } from '../helpers/sources.ts';
import { createTenant, type TenantFixture } from '../helpers/tenants.ts';

describe.each(drivers)('hostile documents on %s', (driver) => {
  let db: Database;
  let api: Api;
  let a: TenantFixture;
  let uploadsDir: string;
  let deps: SourceWorkerDeps;

  beforeAll(async () => {
    db = await migratedDatabase(driver);
    a = await createTenant(db, 'Acme');
    uploadsDir = await mkdtemp(`${tmpdir()}/closer-hostile-documents-`);
    const env = { CLOSER_UPLOADS_DIR: uploadsDir, CLOSER_JOB_LEASE_MS: '20000' };
    api = createApi(db, env);
    deps = { db, env, fetch, uploads: directoryStorage(uploadsDir) };
  });
  afterAll(async () => {
    await db?.close();
    if (uploadsDir) await rm(uploadsDir, { recursive: true, force: true });
  });

  const readSource = async (id: string) =>
    (await api.as(a.secretKey)<KnowledgeSource>('GET', `/agents/${a.agentId}/sources/${id}`)).body;
  const sourceItems = async (id: string) =>
    (
      await api.as(a.secretKey)<Page<KnowledgeItem>>('GET', `/agents/${a.agentId}/knowledge?limit=100`)
    ).body.data.filter((item) => item.sourceId === id);

  it('reads a DOCX holding NUL characters and lone surrogates, without them', async () => {
    const created = await uploadFile(api, a.secretKey, a.agentId, {
      bytes: await docxOfRawXml('Pri&#0;ces&#xD800;', 'Panels&#0; cost &#xDC00;4,000 EUR installed.'),
      name: 'prices.docx',
    });
    expect(created.status).toBe(201);
    const report = await workUntilIdle(deps);
    expect(report.retrying).toBe(0);
    expect(await readSource(created.body.id)).toMatchObject({ status: 'ready', itemCount: 1 });
    expect((await sourceItems(created.body.id)).map((item) => [item.title, item.content])).toEqual([
      ['prices.docx — Prices', 'Panels cost 4,000 EUR installed.'],
    ]);
  });
});
