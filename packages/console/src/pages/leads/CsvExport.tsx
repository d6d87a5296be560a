// Downloads the period's leads or conversations as CSV. The server streams the file; the browser keeps it as a
// Blob until it is saved (a link with `download`).
import { csvFilename } from '@closer/sdk';
import { useState } from 'preact/hooks';
import { api } from '../../api.ts';
import { t } from '../../i18n/messages.ts';
import { errorMessage } from '../../ui/errors.ts';
import { Field, FormError } from '../../ui/Field.tsx';
import { lastDays, periodInstants } from '../../ui/period.ts';
import { toast } from '../../ui/Toast.tsx';

type What = 'leads' | 'conversations';

/** Saves a response's body under the file name it offers. */
async function save(response: Response, fallback: string): Promise<string> {
  const filename = csvFilename(response, fallback);
  const url = URL.createObjectURL(await response.blob());
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
  return filename;
}

export function CsvExport() {
  const [period, setPeriod] = useState(() => lastDays(30));
  const [busy, setBusy] = useState<What | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const download = async (what: What) => {
    setBusy(what);
    setFailure(null);
    try {
      const query = periodInstants(period);
      const response = await (what === 'leads'
        ? api().leads.export(query)
        : api().conversations.export(query));
      toast(t('export.done', { file: await save(response, `${what}.csv`) }));
    } catch (error) {
      setFailure(errorMessage(error));
    } finally {
      setBusy(null);
    }
  };
  return (
    <section class="card export" aria-labelledby="csv-export">
      <h2 id="csv-export">{t('export.title')}</h2>
      <p class="muted">{t('export.hint')}</p>
      <div class="filter-grid">
        <Field label={t('filters.from')}>
          {(control) => (
            <input
              {...control}
              type="date"
              value={period.from}
              onInput={(e) => setPeriod({ ...period, from: e.currentTarget.value })}
            />
          )}
        </Field>
        <Field label={t('filters.to')}>
          {(control) => (
            <input
              {...control}
              type="date"
              value={period.to}
              onInput={(e) => setPeriod({ ...period, to: e.currentTarget.value })}
            />
          )}
        </Field>
      </div>
      <div class="actions">
        <button type="button" class="button" disabled={busy !== null} onClick={() => void download('leads')}>
          {busy === 'leads' ? t('export.working') : t('export.leads')}
        </button>
        <button
          type="button"
          class="button"
          disabled={busy !== null}
          onClick={() => void download('conversations')}
        >
          {busy === 'conversations' ? t('export.working') : t('export.conversations')}
        </button>
      </div>
      <FormError message={failure} />
    </section>
  );
}
