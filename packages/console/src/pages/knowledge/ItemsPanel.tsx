// An agent's own knowledge items: search, add, edit (the API keeps items as written, so an edit adds the new
// version, then deletes the old one), paste many at once, delete.
import {
  type KnowledgeItem,
  type KnowledgeItemCreate,
  knowledgeCreateBody,
  knowledgeItemCreate,
} from '@closer/contract';
import { useState } from 'preact/hooks';
import { api, currentOrgId } from '../../api.ts';
import { formatNumber } from '../../i18n/i18n.ts';
import { t } from '../../i18n/messages.ts';
import { AgentSelect } from '../../ui/AgentSelect.tsx';
import type { useAgents } from '../../ui/agentNames.ts';
import { Dialog } from '../../ui/Dialog.tsx';
import { errorMessage, type FieldErrors, serverFieldErrors, validate } from '../../ui/errors.ts';
import { Field, FormError } from '../../ui/Field.tsx';
import { Empty, ErrorState, Loaded, useLoad } from '../../ui/states.tsx';
import { toast } from '../../ui/Toast.tsx';
import { useDeletion } from '../../ui/useDeletion.tsx';
import { parsePastedItems } from './bulkPaste.ts';

type Agents = ReturnType<typeof useAgents>;

export function ItemsPanel({ agents }: { agents: Agents }) {
  const list = agents.data ?? [];
  const [agentId, setAgentId] = useState<string>('');
  const chosen = agentId || list[0]?.id || '';
  if (agents.status === 'error' && !agents.data)
    return <ErrorState error={agents.error} onRetry={agents.reload} />;
  if (agents.data && list.length === 0) return <Empty title={t('knowledge.noAgents')} />;
  return (
    <>
      <AgentSelect agents={list} value={chosen} onChange={setAgentId} />
      {chosen && <AgentItems key={chosen} agentId={chosen} />}
    </>
  );
}

function AgentItems({ agentId }: { agentId: string }) {
  const items = useLoad(async () => {
    const all: KnowledgeItem[] = [];
    for await (const item of api().agents.knowledge.list(agentId, { limit: 100 })) all.push(item);
    return all;
  }, [agentId, currentOrgId.value]);
  const [query, setQuery] = useState('');
  const [dialog, setDialog] = useState<'add' | 'paste' | KnowledgeItem | null>(null);
  const close = () => setDialog(null);
  const saved = () => {
    setDialog(null);
    items.reload();
  };
  const deletion = useDeletion<KnowledgeItem>({
    title: (item) => t('knowledge.deleteTitle', { title: item.title }),
    remove: (item) => api().agents.knowledge.delete(agentId, item.id),
    onDeleted: () => items.reload(),
  });
  const words = query.trim().toLowerCase();
  return (
    <>
      <div class="knowledge-toolbar">
        <Field label={t('knowledge.search')}>
          {(control) => (
            <input
              {...control}
              type="search"
              value={query}
              onInput={(e) => setQuery(e.currentTarget.value)}
            />
          )}
        </Field>
        <div class="actions">
          <button type="button" class="button button-primary" onClick={() => setDialog('add')}>
            {t('knowledge.add')}
          </button>
          <button type="button" class="button" onClick={() => setDialog('paste')}>
            {t('knowledge.paste')}
          </button>
        </div>
      </div>
      <Loaded load={items}>
        {(all) => {
          const shown = words
            ? all.filter((item) =>
                `${item.title}\n${item.content}\n${item.tags.join(' ')}`.toLowerCase().includes(words),
              )
            : all;
          if (all.length === 0)
            return (
              <Empty title={t('knowledge.empty')}>
                <p>{t('knowledge.emptyHint')}</p>
              </Empty>
            );
          if (shown.length === 0) return <Empty title={t('knowledge.noMatch', { query })} />;
          return (
            <>
              <p class="muted" aria-live="polite">
                {t('knowledge.count', { count: formatNumber(shown.length) })}
              </p>
              <ul class="knowledge-list">
                {shown.map((item) => (
                  <li key={item.id} class="card knowledge-item">
                    <h2>{item.title}</h2>
                    <p class="knowledge-content">{item.content}</p>
                    {item.tags.length > 0 && (
                      <p class="muted">
                        {item.tags.map((tag) => (
                          <span key={tag} class="badge">
                            {tag}
                          </span>
                        ))}
                      </p>
                    )}
                    <div class="actions">
                      <button type="button" class="button" onClick={() => setDialog(item)}>
                        {t('knowledge.edit')}
                        <span class="visually-hidden"> {item.title}</span>
                      </button>
                      <button type="button" class="button button-danger" onClick={() => deletion.ask(item)}>
                        {t('action.delete')}
                        <span class="visually-hidden"> {item.title}</span>
                      </button>
                    </div>
                  </li>
                ))}
              </ul>
            </>
          );
        }}
      </Loaded>
      <Dialog
        open={dialog !== null}
        title={
          dialog === 'paste'
            ? t('knowledge.paste')
            : dialog === 'add' || dialog === null
              ? t('knowledge.add')
              : t('knowledge.editTitle', { title: dialog.title })
        }
        onClose={close}
      >
        {dialog === 'paste' ? (
          <PasteForm agentId={agentId} onSaved={saved} />
        ) : (
          <ItemForm agentId={agentId} item={typeof dialog === 'object' ? dialog : null} onSaved={saved} />
        )}
      </Dialog>
      {deletion.dialog}
    </>
  );
}

const splitTags = (value: string) =>
  value
    .split(',')
    .map((tag) => tag.trim())
    .filter(Boolean);

/** Adds an item, or replaces `item` with the edited version (added first, so a failure loses nothing). */
function ItemForm({
  agentId,
  item,
  onSaved,
}: {
  agentId: string;
  item: KnowledgeItem | null;
  onSaved: () => void;
}) {
  const [title, setTitle] = useState(item?.title ?? '');
  const [content, setContent] = useState(item?.content ?? '');
  const [tags, setTags] = useState(item?.tags.join(', ') ?? '');
  const [source, setSource] = useState(item?.source ?? '');
  const [errors, setErrors] = useState<FieldErrors>({});
  const [failure, setFailure] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    setFailure(null);
    const checked = validate(knowledgeItemCreate, {
      title,
      content,
      tags: splitTags(tags),
      source: source.trim() ? source : null,
    });
    if (!checked.ok) {
      setErrors(checked.errors);
      return setFailure(t('form.fixFields'));
    }
    setErrors({});
    setBusy(true);
    try {
      await api().agents.knowledge.create(agentId, checked.data);
      if (item) await api().agents.knowledge.delete(agentId, item.id);
      toast(item ? t('form.saved') : t('knowledge.added'));
      onSaved();
    } catch (error) {
      setErrors(serverFieldErrors(error));
      setFailure(errorMessage(error));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form noValidate onSubmit={submit}>
      <Field label={t('knowledge.title')} error={errors.title}>
        {(control) => <input {...control} value={title} onInput={(e) => setTitle(e.currentTarget.value)} />}
      </Field>
      <Field label={t('knowledge.content')} hint={t('knowledge.contentHint')} error={errors.content}>
        {(control) => (
          <textarea
            {...control}
            rows={8}
            value={content}
            onInput={(e) => setContent(e.currentTarget.value)}
          />
        )}
      </Field>
      <Field
        label={t('knowledge.tags')}
        hint={t('knowledge.tagsHint')}
        error={errors.tags ?? errors['tags.0']}
      >
        {(control) => <input {...control} value={tags} onInput={(e) => setTags(e.currentTarget.value)} />}
      </Field>
      <Field label={t('knowledge.source')} hint={t('knowledge.sourceHint')} error={errors.source}>
        {(control) => <input {...control} value={source} onInput={(e) => setSource(e.currentTarget.value)} />}
      </Field>
      <FormError message={failure} />
      <div class="actions">
        <button type="submit" class="button button-primary" disabled={busy}>
          {busy ? t('action.saving') : t('action.save')}
        </button>
      </div>
    </form>
  );
}

/** The first problem of a pasted batch, naming the item (`items.3.title` → item 4). */
function batchProblem(errors: FieldErrors, items: KnowledgeItemCreate[]): string | null {
  const [path, message] = Object.entries(errors)[0] ?? [];
  const match = /^items\.(\d+)\.(\w+)/.exec(path ?? '');
  if (!match || !message) return message ?? null;
  const index = Number(match[1]);
  return t('knowledge.pasteItemError', {
    n: index + 1,
    title: items[index]?.title ?? '',
    field: match[2] === 'title' ? t('knowledge.title') : t('knowledge.content'),
    message,
  });
}

function PasteForm({ agentId, onSaved }: { agentId: string; onSaved: () => void }) {
  const [text, setText] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const parsed = parsePastedItems(text);
  const submit = async (event: Event) => {
    event.preventDefault();
    setProblem(null);
    if (parsed.items.length === 0) return setProblem(t('knowledge.pasteNone'));
    const checked = validate(knowledgeCreateBody, { items: parsed.items });
    if (!checked.ok) return setProblem(batchProblem(checked.errors, parsed.items));
    setBusy(true);
    try {
      await api().agents.knowledge.createMany(agentId, parsed.items);
      toast(t('knowledge.added'));
      onSaved();
    } catch (error) {
      setProblem(batchProblem(serverFieldErrors(error), parsed.items) ?? errorMessage(error));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form noValidate onSubmit={submit}>
      <Field label={t('knowledge.pasteLabel')} hint={t('knowledge.pasteHint')} error={problem ?? undefined}>
        {(control) => (
          <textarea
            {...control}
            rows={14}
            value={text}
            placeholder={
              '# Delivery\nWe deliver within 5 working days.\n\n# Returns\nFree returns within 30 days.'
            }
            onInput={(e) => setText(e.currentTarget.value)}
          />
        )}
      </Field>
      <p class="muted" aria-live="polite">
        {t('knowledge.pasteFound', { count: formatNumber(parsed.items.length) })}
        {parsed.untitled > 0 && ` ${t('knowledge.pasteUntitled', { count: parsed.untitled })}`}
      </p>
      <div class="actions">
        <button type="submit" class="button button-primary" disabled={busy}>
          {busy ? t('action.saving') : t('knowledge.pasteAdd', { count: formatNumber(parsed.items.length) })}
        </button>
      </div>
    </form>
  );
}
