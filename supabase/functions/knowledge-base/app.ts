// `knowledge-base`: the organisation's categories and articles, shared with agents by category.
import {
  id,
  knowledgeArticle,
  knowledgeArticleCreate,
  knowledgeArticleListQuery,
  knowledgeArticleUpdate,
  knowledgeCategory,
  knowledgeCategoryCreate,
  knowledgeCategoryUpdate,
  listQuery,
  page,
} from '@closer/contract';
import { access, authorize } from '../_shared/auth/access.ts';
import { tenant } from '../_shared/auth/middleware.ts';
import { requireRoom, textBytes } from '../_shared/billing/usage.ts';
import { patchRow } from '../_shared/db/patch.ts';
import type { Queryable } from '../_shared/db/types.ts';
import { createFunctionApp } from '../_shared/http/app.ts';
import { notFound } from '../_shared/http/errors.ts';
import { listPage } from '../_shared/http/pagination.ts';
import { route } from '../_shared/http/route.ts';
import {
  registerSourceRoutes,
  removeStoredFiles,
  UPLOAD_BODY_BYTES,
  UPLOAD_PATH,
} from '../_shared/knowledge/sources/routes.ts';
import { storedFilesOf } from '../_shared/knowledge/sources/sources.ts';
import { articleFromRow, categoryFromRow } from '../_shared/resources/knowledgeBase.ts';
import type { Runtime } from '../_shared/runtime.ts';
import { categorySources } from './sources.ts';
import { registerEmbeddingWorker } from './worker.ts';

const categoryColumns = { name: 'name', description: 'description' };
const articleColumns = {
  categoryId: 'category_id',
  title: 'title',
  content: 'content',
  language: 'language',
  published: 'published',
};
const categoryParam = { id: { schema: id, what: 'Category' } };
const articleParam = { id: { schema: id, what: 'Article' } };

export function createKnowledgeBaseApp(runtime: Runtime) {
  const app = createFunctionApp('knowledge-base', runtime, {
    largeBodies: [{ path: UPLOAD_PATH, mediaType: 'multipart/form-data', maxBytes: UPLOAD_BODY_BYTES }],
  });
  // Before the members' routes: the worker's credential is CLOSER_WORKER_SECRET, not a member or a key.
  registerEmbeddingWorker(app, runtime);
  app.use('*', authorize(access.staff));

  const listCategories = route({
    summary: 'List knowledge base categories',
    query: listQuery,
    responses: { 200: page(knowledgeCategory) },
  });
  app.get('/categories', listCategories, async (c) => {
    const query = c.req.valid('query');
    return c.json(
      await tenant(c, (tx) =>
        listPage(tx, {
          from: 'select t.* from public.knowledge_categories t',
          limit: query.limit,
          cursor: query.cursor,
          map: categoryFromRow,
        }),
      ),
    );
  });

  const createCategory = route({
    summary: 'Create a category (names are unique per organisation, case-insensitively)',
    body: knowledgeCategoryCreate,
    responses: { 201: knowledgeCategory },
  });
  app.post('/categories', createCategory, async (c) => {
    const input = c.req.valid('json');
    const [row] = await tenant(c, (tx) =>
      tx.query(
        'insert into public.knowledge_categories (org_id, name, description) values ($1, $2, $3) returning *',
        [c.var.principal.orgId, input.name, input.description],
      ),
    );
    return c.json(categoryFromRow(row!), 201);
  });

  const updateCategory = route({
    summary: 'Update a category (partial)',
    params: categoryParam,
    body: knowledgeCategoryUpdate,
    responses: { 200: knowledgeCategory },
  });
  app.patch('/categories/:id', updateCategory, async (c) => {
    const categoryId = c.req.valid('param').id;
    const patch = c.req.valid('json');
    const row = await tenant(c, (tx) =>
      patchRow(tx, 'knowledge_categories', { id: categoryId }, patch, categoryColumns),
    );
    if (!row) throw notFound('Category');
    return c.json(categoryFromRow(row));
  });

  // Its articles and sources go with it, and agents simply stop drawing on them.
  const deleteCategory = route({
    summary: 'Delete a category with its articles and sources (and their stored files)',
    params: categoryParam,
    responses: { 204: null },
  });
  app.delete('/categories/:id', deleteCategory, async (c) => {
    const categoryId = c.req.valid('param').id;
    const storedFiles = await tenant(c, async (tx) => {
      const files = await storedFilesOf(tx, { categoryId });
      const deleted = await tx.query('delete from public.knowledge_categories where id = $1 returning id', [
        categoryId,
      ]);
      if (deleted.length === 0) throw notFound('Category');
      return files;
    });
    await removeStoredFiles(c, storedFiles);
    return c.body(null, 204);
  });

  // The category's sources: files and web pages whose content becomes the category's articles.
  registerSourceRoutes(app, categorySources);

  const listArticles = route({
    summary: 'List articles, filtered by category and state or searched by `q`',
    query: knowledgeArticleListQuery,
    responses: { 200: page(knowledgeArticle) },
  });
  app.get('/articles', listArticles, async (c) => {
    const query = c.req.valid('query');
    const where: string[] = [];
    const params: unknown[] = [];
    if (query.categoryId) {
      params.push(query.categoryId);
      where.push(`t.category_id = $${params.length}`);
    }
    if (query.published !== undefined) {
      params.push(query.published);
      where.push(`t.published = $${params.length}`);
    }
    if (query.q) {
      // Full text in the article's own language, or a close spelling of the title.
      params.push(query.q);
      where.push(
        `(t.fts @@ websearch_to_tsquery(public.fts_config(t.language), $${params.length}) or t.title % $${params.length})`,
      );
    }
    return c.json(
      await tenant(c, (tx) =>
        listPage(tx, {
          from: 'select t.* from public.knowledge_articles t',
          where,
          params,
          limit: query.limit,
          cursor: query.cursor,
          map: articleFromRow,
        }),
      ),
    );
  });

  const createArticle = route({
    summary: 'Create an article',
    body: knowledgeArticleCreate,
    responses: { 201: knowledgeArticle },
  });
  app.post('/articles', createArticle, async (c) => {
    const input = c.req.valid('json');
    const [row] = await tenant(c, async (tx) => {
      const category = await tx.query('select 1 from public.knowledge_categories where id = $1', [
        input.categoryId,
      ]);
      if (category.length === 0) throw notFound('Category');
      await requireRoom(tx, runtime.env, 'knowledgeBytes', textBytes(input.title, input.content));
      return tx.query(
        `insert into public.knowledge_articles (org_id, category_id, title, content, language, published)
         values ($1, $2, $3, $4, $5, $6) returning *`,
        [
          c.var.principal.orgId,
          input.categoryId,
          input.title,
          input.content,
          input.language,
          input.published,
        ],
      );
    });
    return c.json(articleFromRow(row!), 201);
  });

  const readArticle = route({
    summary: 'Read an article',
    params: articleParam,
    responses: { 200: knowledgeArticle },
  });
  app.get('/articles/:id', readArticle, async (c) => {
    const articleId = c.req.valid('param').id;
    const [row] = await tenant(c, (tx) =>
      tx.query('select * from public.knowledge_articles where id = $1', [articleId]),
    );
    if (!row) throw notFound('Article');
    return c.json(articleFromRow(row));
  });

  const updateArticle = route({
    summary: 'Update an article (partial)',
    params: articleParam,
    body: knowledgeArticleUpdate,
    responses: { 200: knowledgeArticle },
  });
  // An update that lengthens the text counts against the knowledge limit like a creation; shortening never does.
  const requireGrowthRoom = async (
    tx: Queryable,
    articleId: string,
    patch: { title?: string | undefined; content?: string | undefined },
  ) => {
    if (patch.title === undefined && patch.content === undefined) return;
    const [now] = await tx.query<{ title: string; content: string }>(
      'select title, content from public.knowledge_articles where id = $1',
      [articleId],
    );
    if (!now) return;
    const growth =
      textBytes(patch.title ?? now.title, patch.content ?? now.content) - textBytes(now.title, now.content);
    if (growth > 0) await requireRoom(tx, runtime.env, 'knowledgeBytes', growth);
  };
  app.patch('/articles/:id', updateArticle, async (c) => {
    const articleId = c.req.valid('param').id;
    const patch = c.req.valid('json');
    const row = await tenant(c, async (tx) => {
      if (patch.categoryId) {
        const category = await tx.query('select 1 from public.knowledge_categories where id = $1', [
          patch.categoryId,
        ]);
        if (category.length === 0) throw notFound('Category');
      }
      await requireGrowthRoom(tx, articleId, patch);
      return patchRow(tx, 'knowledge_articles', { id: articleId }, patch, articleColumns);
    });
    if (!row) throw notFound('Article');
    return c.json(articleFromRow(row));
  });

  const deleteArticle = route({
    summary: 'Delete an article',
    params: articleParam,
    responses: { 204: null },
  });
  app.delete('/articles/:id', deleteArticle, async (c) => {
    const articleId = c.req.valid('param').id;
    const deleted = await tenant(c, (tx) =>
      tx.query('delete from public.knowledge_articles where id = $1 returning id', [articleId]),
    );
    if (deleted.length === 0) throw notFound('Article');
    return c.body(null, 204);
  });

  return app;
}
