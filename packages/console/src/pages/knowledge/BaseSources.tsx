// The knowledge base's sources, per category: web pages, sitemaps, crawls and files whose content becomes the
// category's articles. Lists them with status and progress (re-read while any is syncing), adds, re-syncs,
// shows the last runs and deletes.
import type { KnowledgeCategory, KnowledgeSource, KnowledgeSourceRun } from '@closer/contract';
import { useEffect, useState } from 'preact/hooks';
import { api, currentOrgId } from '../../api.ts';
import { t } from '../../i18n/messages.ts';
import { ConfirmDialog } from '../../ui/Dialog.tsx';
import { errorMessage } from '../../ui/errors.ts';
import { Field, FormError } from '../../ui/Field.tsx';
import { Empty, Loaded, useLoad } from '../../ui/states.tsx';
import { toast } from '../../ui/Toast.tsx';

const sources = () => api().knowledgeBase.sources;
const syncing = (source: KnowledgeSource) => source.status === 'queued' || source.status === 'processing';

export function BaseSources({ categories }: { categories: KnowledgeCategory[] }) {
  const [categoryId, setCategoryId] = useState(categories[0]?.id ?? '');
  const [deleting, setDeleting] = useState<KnowledgeSource | null>(null);
  const [runsOf, setRunsOf] = useState<string | null>(null);
  const list = useLoad(
    async () => (categoryId ? (await sources().list(categoryId, { limit: 100 })).data : []),
    [categoryId, currentOrgId.value],
  );
  // While a source syncs, read the list again every 2 seconds.
  useEffect(() => {
    if (!list.data?.some(syncing)) return;
    const timer = setTimeout(list.reload, 2000);
    return () => clearTimeout(timer);
  }, [list.data]);
  const act = async (action: () => Promise<unknown>, done: string) => {
    try {
      await action();
      toast(done);
      list.reload();
    } catch (error) {
      toast(errorMessage(error), 'error');
    }
  };
  return (
    <section class="card" aria-labelledby="base-sources">
      <h2 id="base-sources">{t('sources.title')}</h2>
      <p class="muted">{t('sources.hint')}</p>
      <Field label={t('base.category')}>
        {(control) => (
          <select {...control} value={categoryId} onChange={(e) => setCategoryId(e.currentTarget.value)}>
            {categories.map((category) => (
              <option key={category.id} value={category.id}>
                {category.name}
              </option>
            ))}
          </select>
        )}
      </Field>
      <Loaded load={list}>
        {(rows) =>
          rows.length === 0 ? (
            <Empty title={t('sources.none')} />
          ) : (
            <ul class="knowledge-list">
              {rows.map((source) => (
                <li key={source.id} class="knowledge-item source-item">
                  <strong>{source.name}</strong> <span class="muted">{t(`sources.kind.${source.kind}`)}</span>
                  <p class="source-status" aria-live="polite">
                    {statusLine(source)}
                  </p>
                  <div class="actions">
                    <button
                      type="button"
                      class="button button-ghost"
                      disabled={syncing(source)}
                      onClick={() =>
                        act(() => sources().resync(categoryId, source.id), t('sources.resyncing'))
                      }
                    >
                      {t('sources.resync')}
                      <span class="visually-hidden"> {source.name}</span>
                    </button>
                    <button
                      type="button"
                      class="button button-ghost"
                      aria-expanded={runsOf === source.id}
                      onClick={() => setRunsOf(runsOf === source.id ? null : source.id)}
                    >
                      {t('sources.runs')}
                      <span class="visually-hidden"> {source.name}</span>
                    </button>
                    <button type="button" class="button button-ghost" onClick={() => setDeleting(source)}>
                      {t('action.delete')}
                      <span class="visually-hidden"> {source.name}</span>
                    </button>
                  </div>
                  {runsOf === source.id && <Runs categoryId={categoryId} sourceId={source.id} />}
                </li>
              ))}
            </ul>
          )
        }
      </Loaded>
      {categoryId && <AddSource categoryId={categoryId} onAdded={list.reload} />}
      <ConfirmDialog
        open={deleting !== null}
        title={t('sources.deleteTitle', { name: deleting?.name ?? '' })}
        message={t('sources.deleteMessage')}
        confirmLabel={t('action.delete')}
        onConfirm={() => {
          const source = deleting;
          setDeleting(null);
          if (source) void act(() => sources().delete(categoryId, source.id), t('knowledge.deleted'));
        }}
        onClose={() => setDeleting(null)}
      />
    </section>
  );
}

function statusLine(source: KnowledgeSource): string {
  if (source.status === 'failed') return t('sources.failed', { reason: source.failureReason ?? '' });
  if (source.status === 'ready') return t('sources.ready', { count: source.itemCount });
  if (source.status === 'queued') return t('sources.queued');
  return t('sources.processing', {
    done: source.progress.done,
    total: source.progress.total ?? '?',
  });
}

function Runs({ categoryId, sourceId }: { categoryId: string; sourceId: string }) {
  const runs = useLoad(
    async () => (await sources().runs(categoryId, sourceId, { limit: 5 })).data,
    [categoryId, sourceId],
  );
  return (
    <Loaded load={runs}>
      {(rows: KnowledgeSourceRun[]) => (
        <ul class="source-runs">
          {rows.map((run) => (
            <li key={run.id}>
              {t('sources.run', {
                when: new Date(run.startedAt).toLocaleString(),
                status: run.status,
                added: run.added,
                updated: run.updated,
                removed: run.removed,
                failed: run.failed,
              })}
              {run.errors.slice(0, 3).map((error) => (
                <div key={error.location} class="muted">
                  {error.location}: {error.message}
                </div>
              ))}
            </li>
          ))}
        </ul>
      )}
    </Loaded>
  );
}

function AddSource({ categoryId, onAdded }: { categoryId: string; onAdded: () => void }) {
  const [kind, setKind] = useState<'url' | 'sitemap' | 'crawl'>('url');
  const [url, setUrl] = useState('');
  const [sent, setSent] = useState<number | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const added = () => {
    toast(t('knowledge.added'));
    onAdded();
  };
  const addWeb = async (event: Event) => {
    event.preventDefault();
    setFailure(null);
    try {
      await sources().create(categoryId, kind === 'url' ? { kind, urls: [url] } : { kind, url });
      setUrl('');
      added();
    } catch (error) {
      setFailure(errorMessage(error));
    }
  };
  const upload = async (file: File) => {
    setFailure(null);
    setSent(0);
    try {
      await sources().upload(categoryId, file, { onProgress: (p) => setSent(Math.round(p.percent * 100)) });
      added();
    } catch (error) {
      setFailure(errorMessage(error));
    } finally {
      setSent(null);
    }
  };
  return (
    <>
      <form class="filter-grid" noValidate onSubmit={addWeb}>
        <Field label={t('sources.kind')}>
          {(control) => (
            <select {...control} value={kind} onChange={(e) => setKind(e.currentTarget.value as typeof kind)}>
              {(['url', 'sitemap', 'crawl'] as const).map((option) => (
                <option key={option} value={option}>
                  {t(`sources.kind.${option}`)}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label={t('sources.url')}>
          {(control) => (
            <input {...control} type="url" value={url} onInput={(e) => setUrl(e.currentTarget.value)} />
          )}
        </Field>
        <div class="actions align-end">
          <button type="submit" class="button">
            {t('sources.add')}
          </button>
        </div>
      </form>
      <Field label={t('sources.file')} hint={t('sources.fileHint')}>
        {(control) => (
          <input
            {...control}
            type="file"
            accept=".pdf,.docx,.html,.htm,.md,.markdown,.txt,.csv"
            disabled={sent !== null}
            onChange={(e) => {
              const file = e.currentTarget.files?.[0];
              e.currentTarget.value = '';
              if (file) void upload(file);
            }}
          />
        )}
      </Field>
      {sent !== null && <p aria-live="polite">{t('sources.sending', { percent: sent })}</p>}
      <FormError message={failure} />
    </>
  );
}
