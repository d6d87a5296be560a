// The organisation's knowledge base: categories, their articles (Markdown, with a preview), and which categories
// each agent draws on.
import {
  type Agent,
  type KnowledgeArticle,
  type KnowledgeCategory,
  knowledgeArticleCreate,
  knowledgeCategoryCreate,
} from '@closer/contract';
import { useEffect, useState } from 'preact/hooks';
import { api, currentOrgId } from '../../api.ts';
import { t } from '../../i18n/messages.ts';
import type { useAgents } from '../../ui/agentNames.ts';
import { Dialog } from '../../ui/Dialog.tsx';
import { errorMessage, type FieldErrors, serverFieldErrors, validate } from '../../ui/errors.ts';
import { Field, FormError } from '../../ui/Field.tsx';
import { Empty, Loaded, Loading, useLoad } from '../../ui/states.tsx';
import { Tabs } from '../../ui/Tabs.tsx';
import { toast } from '../../ui/Toast.tsx';
import { useDeletion } from '../../ui/useDeletion.tsx';
import { languageOptions } from '../agents/options.ts';
import { BaseSources } from './BaseSources.tsx';

export function BasePanel({ agents }: { agents: ReturnType<typeof useAgents> }) {
  const categories = useLoad(async () => {
    const all: KnowledgeCategory[] = [];
    for await (const category of api().knowledgeBase.categories.list({ limit: 100 })) all.push(category);
    return all;
  }, [currentOrgId.value]);
  return (
    <Loaded load={categories}>
      {(list) => (
        <>
          <Categories categories={list} onChange={categories.reload} />
          {list.length > 0 && <Articles categories={list} />}
          {list.length > 0 && <BaseSources categories={list} />}
          {list.length > 0 && agents.data && agents.data.length > 0 && (
            <AgentCategories agents={agents.data} categories={list} onChange={agents.reload} />
          )}
        </>
      )}
    </Loaded>
  );
}

function Categories({ categories, onChange }: { categories: KnowledgeCategory[]; onChange: () => void }) {
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [errors, setErrors] = useState<FieldErrors>({});
  const [failure, setFailure] = useState<string | null>(null);
  const add = async (event: Event) => {
    event.preventDefault();
    setFailure(null);
    const checked = validate(knowledgeCategoryCreate, { name, description });
    if (!checked.ok) return setErrors(checked.errors);
    setErrors({});
    try {
      await api().knowledgeBase.categories.create(checked.data);
      setName('');
      setDescription('');
      onChange();
    } catch (error) {
      setErrors(serverFieldErrors(error));
      setFailure(errorMessage(error));
    }
  };
  const deletion = useDeletion<KnowledgeCategory>({
    title: (category) => t('base.deleteCategory', { name: category.name }),
    remove: (category) => api().knowledgeBase.categories.delete(category.id),
    onDeleted: () => onChange(),
  });
  return (
    <section class="card" aria-labelledby="base-categories">
      <h2 id="base-categories">{t('base.categories')}</h2>
      {categories.length === 0 ? (
        <p class="muted">{t('base.noCategories')}</p>
      ) : (
        <ul class="category-list">
          {categories.map((category) => (
            <li key={category.id}>
              <strong>{category.name}</strong>
              {category.description && <span class="muted"> — {category.description}</span>}{' '}
              <button type="button" class="button button-ghost" onClick={() => deletion.ask(category)}>
                {t('action.delete')}
                <span class="visually-hidden"> {category.name}</span>
              </button>
            </li>
          ))}
        </ul>
      )}
      <form class="filter-grid" noValidate onSubmit={add}>
        <Field label={t('base.categoryName')} error={errors.name}>
          {(control) => <input {...control} value={name} onInput={(e) => setName(e.currentTarget.value)} />}
        </Field>
        <Field label={t('base.categoryDescription')} error={errors.description}>
          {(control) => (
            <input {...control} value={description} onInput={(e) => setDescription(e.currentTarget.value)} />
          )}
        </Field>
        <div class="actions align-end">
          <button type="submit" class="button">
            {t('base.addCategory')}
          </button>
        </div>
      </form>
      <FormError message={failure} />
      {deletion.dialog}
    </section>
  );
}

function Articles({ categories }: { categories: KnowledgeCategory[] }) {
  const [categoryId, setCategoryId] = useState('');
  const [draftQuery, setDraftQuery] = useState('');
  const [query, setQuery] = useState('');
  const [editing, setEditing] = useState<KnowledgeArticle | 'new' | null>(null);
  const articles = useLoad(
    async () =>
      (
        await api().knowledgeBase.articles.list({
          limit: 100,
          ...(categoryId ? { categoryId } : {}),
          ...(query.trim() ? { q: query } : {}),
        })
      ).data,
    [categoryId, query, currentOrgId.value],
  );
  const categoryName = (id: string) => categories.find((c) => c.id === id)?.name ?? '';
  const deletion = useDeletion<KnowledgeArticle>({
    title: (article) => t('base.deleteArticle', { title: article.title }),
    remove: (article) => api().knowledgeBase.articles.delete(article.id),
    onDeleted: () => articles.reload(),
  });
  return (
    <section class="card" aria-labelledby="base-articles">
      <h2 id="base-articles">{t('base.articles')}</h2>
      <form
        class="filter-grid"
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          setQuery(draftQuery);
        }}
      >
        <Field label={t('base.category')}>
          {(control) => (
            <select {...control} value={categoryId} onChange={(e) => setCategoryId(e.currentTarget.value)}>
              <option value="">{t('base.allCategories')}</option>
              {categories.map((category) => (
                <option key={category.id} value={category.id}>
                  {category.name}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label={t('base.searchArticles')}>
          {(control) => (
            <input
              {...control}
              type="search"
              value={draftQuery}
              onInput={(e) => setDraftQuery(e.currentTarget.value)}
            />
          )}
        </Field>
        <div class="actions align-end">
          <button type="submit" class="button">
            {t('filters.apply')}
          </button>
          <button type="button" class="button button-primary" onClick={() => setEditing('new')}>
            {t('base.newArticle')}
          </button>
        </div>
      </form>
      <Loaded load={articles}>
        {(list) =>
          list.length === 0 ? (
            <Empty title={t('base.noArticles')} />
          ) : (
            <ul class="knowledge-list">
              {list.map((article) => (
                <li key={article.id} class="knowledge-item">
                  <strong>{article.title}</strong>{' '}
                  <span class="muted">
                    {categoryName(article.categoryId)} · {article.language}
                    {!article.published && ` · ${t('base.draft')}`}
                  </span>
                  <div class="actions">
                    <button type="button" class="button" onClick={() => setEditing(article)}>
                      {t('knowledge.edit')}
                      <span class="visually-hidden"> {article.title}</span>
                    </button>
                    <button type="button" class="button button-danger" onClick={() => deletion.ask(article)}>
                      {t('action.delete')}
                      <span class="visually-hidden"> {article.title}</span>
                    </button>
                  </div>
                </li>
              ))}
            </ul>
          )
        }
      </Loaded>
      <Dialog
        open={editing !== null}
        title={editing === 'new' || editing === null ? t('base.newArticle') : editing.title}
        onClose={() => setEditing(null)}
      >
        <ArticleEditor
          article={typeof editing === 'object' ? editing : null}
          categories={categories}
          defaultCategory={categoryId || categories[0]!.id}
          onSaved={() => {
            setEditing(null);
            articles.reload();
          }}
        />
      </Dialog>
      {deletion.dialog}
    </section>
  );
}

function ArticleEditor({
  article,
  categories,
  defaultCategory,
  onSaved,
}: {
  article: KnowledgeArticle | null;
  categories: KnowledgeCategory[];
  defaultCategory: string;
  onSaved: () => void;
}) {
  const [form, setForm] = useState({
    title: article?.title ?? '',
    categoryId: article?.categoryId ?? defaultCategory,
    language: article?.language ?? 'en',
    published: article?.published ?? true,
    content: article?.content ?? '',
  });
  const [view, setView] = useState<'write' | 'preview'>('write');
  const [errors, setErrors] = useState<FieldErrors>({});
  const [failure, setFailure] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const set = (patch: Partial<typeof form>) => setForm({ ...form, ...patch });
  const submit = async (event: Event) => {
    event.preventDefault();
    setFailure(null);
    const checked = validate(knowledgeArticleCreate, form);
    if (!checked.ok) {
      setErrors(checked.errors);
      setView('write');
      return setFailure(t('form.fixFields'));
    }
    setErrors({});
    setBusy(true);
    try {
      if (article) await api().knowledgeBase.articles.update(article.id, checked.data);
      else await api().knowledgeBase.articles.create(checked.data);
      toast(t('form.saved'));
      onSaved();
    } catch (error) {
      setErrors(serverFieldErrors(error));
      setFailure(errorMessage(error));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form noValidate onSubmit={submit} class="article-editor">
      <Field label={t('base.articleTitle')} error={errors.title}>
        {(control) => (
          <input {...control} value={form.title} onInput={(e) => set({ title: e.currentTarget.value })} />
        )}
      </Field>
      <div class="grid-2">
        <Field label={t('base.category')} error={errors.categoryId}>
          {(control) => (
            <select
              {...control}
              value={form.categoryId}
              onChange={(e) => set({ categoryId: e.currentTarget.value })}
            >
              {categories.map((category) => (
                <option key={category.id} value={category.id}>
                  {category.name}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label={t('base.language')} error={errors.language}>
          {(control) => (
            <select
              {...control}
              value={form.language}
              onChange={(e) => set({ language: e.currentTarget.value })}
            >
              {languageOptions().map((option) => (
                <option key={option.code} value={option.code}>
                  {option.label}
                </option>
              ))}
            </select>
          )}
        </Field>
      </div>
      <label class="check">
        <input
          type="checkbox"
          checked={form.published}
          onChange={(e) => set({ published: e.currentTarget.checked })}
        />{' '}
        {t('base.published')}
      </label>
      <Tabs
        label={t('base.editorTabs')}
        tabs={[
          { key: 'write', label: t('base.write'), badge: errors.content ? '!' : undefined },
          { key: 'preview', label: t('base.preview') },
        ]}
        selected={view}
        onSelect={setView}
      >
        {view === 'write' ? (
          <Field label={t('knowledge.content')} hint={t('base.contentHint')} error={errors.content}>
            {(control) => (
              <textarea
                {...control}
                rows={14}
                value={form.content}
                onInput={(e) => set({ content: e.currentTarget.value })}
              />
            )}
          </Field>
        ) : (
          <ArticlePreview markdown={form.content} />
        )}
      </Tabs>
      <FormError message={failure} />
      <div class="actions">
        <button type="submit" class="button button-primary" disabled={busy}>
          {busy ? t('action.saving') : t('action.save')}
        </button>
      </div>
    </form>
  );
}

/** The article as it reads: micromark (loaded on first preview) escapes raw HTML and empties dangerous links. */
function ArticlePreview({ markdown }: { markdown: string }) {
  const [html, setHtml] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    void import('./markdown.ts').then(({ articleHtml }) => live && setHtml(articleHtml(markdown)));
    return () => {
      live = false;
    };
  }, [markdown]);
  if (html === null) return <Loading />;
  return (
    <div class="article-preview" data-testid="article-preview" dangerouslySetInnerHTML={{ __html: html }} />
  );
}

function AgentCategories({
  agents,
  categories,
  onChange,
}: {
  agents: Agent[];
  categories: KnowledgeCategory[];
  onChange: () => void;
}) {
  return (
    <section class="card" aria-labelledby="base-agent-categories">
      <h2 id="base-agent-categories">{t('base.agentCategories')}</h2>
      <p class="muted">{t('base.agentCategoriesHint')}</p>
      <div class="dashboard-like-grid">
        {agents.map((agent) => (
          <AgentCategoryForm key={agent.id} agent={agent} categories={categories} onChange={onChange} />
        ))}
      </div>
    </section>
  );
}

function AgentCategoryForm({
  agent,
  categories,
  onChange,
}: {
  agent: Agent;
  categories: KnowledgeCategory[];
  onChange: () => void;
}) {
  const [chosen, setChosen] = useState<string[]>(agent.knowledgeCategoryIds);
  const [failure, setFailure] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const save = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setFailure(null);
    try {
      await api().agents.update(agent.id, { knowledgeCategoryIds: chosen });
      toast(t('form.saved'));
      onChange();
    } catch (error) {
      setFailure(errorMessage(error));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form noValidate onSubmit={save}>
      <fieldset>
        <legend>{t('base.agentCategoriesFor', { agent: agent.name })}</legend>
        {categories.map((category) => (
          <label key={category.id} class="check">
            <input
              type="checkbox"
              checked={chosen.includes(category.id)}
              onChange={(e) =>
                setChosen(
                  e.currentTarget.checked
                    ? [...chosen, category.id]
                    : chosen.filter((id) => id !== category.id),
                )
              }
            />{' '}
            {category.name}
          </label>
        ))}
      </fieldset>
      <FormError message={failure} />
      <button type="submit" class="button" disabled={busy}>
        {busy ? t('action.saving') : t('base.saveAgentCategories', { agent: agent.name })}
      </button>
    </form>
  );
}
