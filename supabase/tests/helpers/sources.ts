// Driving knowledge sources in tests: multipart uploads through the API and the sources worker run to idle.
import type { KnowledgeSource, KnowledgeSourceRun } from '@closer/contract';
import type { Database } from '@closer/functions/_shared/db/types.ts';
import {
  runSourceJobs,
  type SourceWorkerDeps,
  type SourceWorkerReport,
} from '@closer/functions/_shared/knowledge/sources/worker.ts';
import type { Api } from './api.ts';

/** POSTs a file as multipart/form-data to the agent's sources (or to `owner`, a path such as a category's sources). */
export async function uploadFile(
  api: Api,
  credential: string,
  owner: string,
  file: { bytes: Uint8Array | string; name: string; type?: string },
  fields: Record<string, string> = {},
) {
  const form = new FormData();
  form.set('file', new File([file.bytes as BlobPart], file.name, { type: file.type ?? '' }));
  for (const [key, value] of Object.entries(fields)) form.set(key, value);
  const path = owner.startsWith('/') ? owner : `/agents/${owner}/sources`;
  const response = await api.fetch(path, {
    method: 'POST',
    headers: { authorization: `Bearer ${credential}` },
    body: form,
  });
  return {
    status: response.status,
    body: (await response.json()) as KnowledgeSource & { error?: { code: string; message: string } },
  };
}

/** Runs the worker until nothing is due; answers the summed report. Throws when it never settles. */
export async function workUntilIdle(deps: SourceWorkerDeps): Promise<SourceWorkerReport> {
  const total: SourceWorkerReport = { scheduled: 0, stepped: 0, finished: 0, retrying: 0, lost: 0 };
  for (let round = 0; round < 200; round++) {
    const report = await runSourceJobs(deps, { maxSteps: 20 });
    for (const key of Object.keys(total) as (keyof SourceWorkerReport)[]) total[key] += report[key];
    if (report.stepped + report.finished + report.retrying + report.lost + report.scheduled === 0)
      return total;
  }
  throw new Error('The sources worker did not settle');
}

export async function runsOf(db: Database, sourceId: string): Promise<KnowledgeSourceRun[]> {
  const { runFromRow } = await import('@closer/functions/_shared/knowledge/sources/sources.ts');
  const rows = await db.query(
    'select * from public.knowledge_source_runs where source_id = $1 order by created_at',
    [sourceId],
  );
  return rows.map(runFromRow);
}
