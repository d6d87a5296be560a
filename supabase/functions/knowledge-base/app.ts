// `knowledge-base`: the organisation's categories and articles, shared with agents by category.
import {
  id,
  knowledgeArticleCreate,
  knowledgeArticleListQuery,
  knowledgeArticleUpdate,
  knowledgeCategoryCreate,
  knowledgeCategoryUpdate,
  listQuery,
} from '@closer/contract';
import { access, authorize } from '../_shared/auth/access.ts';
import { tenant } from '../_shared/auth/middleware.ts';
import { patchRow } from '../_shared/db/patch.ts';
import { createFunctionApp } from '../_shared/http/app.ts';
import { notFound } from '../_shared/http/errors.ts';
import { listPage } from '../_shared/http/pagination.ts';
import { readJson, readParam, readQuery } from '../_shared/http/validate.ts';
import { articleFromRow, categoryFromRow } from '../_shared/resources/knowledgeBase.ts';
import type { Runtime } from '../_shared/runtime.ts';

const categoryColumns = { name: 'name', description: 'description' };
const articleColumns = {
  categoryId: 'category_id',
  title: 'title',
  content: 'content',
  language: 'language',
  published: 'published',
};

export function createKnowledgeBaseApp(runtime: Runtime) {
  const app = createFunctionApp('knowledge-base', runtime);
  app.use('*', authorize(access.staff));

  app.get('/categories', async (c) => {
    const query = readQuery(c, listQuery);
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

  app.post('/categories', async (c) => {
    const input = await readJson(c, knowledgeCategoryCreate);
    const [row] = await tenant(c, (tx) =>
      tx.query(
        'insert into public.knowledge_categories (org_id, name, description) values ($1, $2, $3) returning *',
        [c.var.principal.orgId, input.name, input.description],
      ),
    );
    return c.json(categoryFromRow(row!), 201);
  });

  app.patch('/categories/:id', async (c) => {
    const categoryId = readParam(c, 'id', id, 'Category');
    const patch = await readJson(c, knowledgeCategoryUpdate);
    const row = await tenant(c, (tx) =>
      patchRow(tx, 'knowledge_categories', { id: categoryId }, patch, categoryColumns),
    );
    if (!row) throw notFound('Category');
    return c.json(categoryFromRow(row));
  });

  // Its articles go with it, and agents simply stop drawing on them.
  app.delete('/categories/:id', async (c) => {
    const categoryId = readParam(c, 'id', id, 'Category');
    const deleted = await tenant(c, (tx) =>
      tx.query('delete from public.knowledge_categories where id = $1 returning id', [categoryId]),
    );
    if (deleted.length === 0) throw notFound('Category');
    return c.body(null, 204);
  });

  app.get('/articles', async (c) => {
    const query = readQuery(c, knowledgeArticleListQuery);
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

  app.post('/articles', async (c) => {
    const input = await readJson(c, knowledgeArticleCreate);
    const [row] = await tenant(c, async (tx) => {
      const category = await tx.query('select 1 from public.knowledge_categories where id = $1', [
        input.categoryId,
      ]);
      if (category.length === 0) throw notFound('Category');
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

  app.get('/articles/:id', async (c) => {
    const articleId = readParam(c, 'id', id, 'Article');
    const [row] = await tenant(c, (tx) =>
      tx.query('select * from public.knowledge_articles where id = $1', [articleId]),
    );
    if (!row) throw notFound('Article');
    return c.json(articleFromRow(row));
  });

  app.patch('/articles/:id', async (c) => {
    const articleId = readParam(c, 'id', id, 'Article');
    const patch = await readJson(c, knowledgeArticleUpdate);
    const row = await tenant(c, async (tx) => {
      if (patch.categoryId) {
        const category = await tx.query('select 1 from public.knowledge_categories where id = $1', [
          patch.categoryId,
        ]);
        if (category.length === 0) throw notFound('Category');
      }
      return patchRow(tx, 'knowledge_articles', { id: articleId }, patch, articleColumns);
    });
    if (!row) throw notFound('Article');
    return c.json(articleFromRow(row));
  });

  app.delete('/articles/:id', async (c) => {
    const articleId = readParam(c, 'id', id, 'Article');
    const deleted = await tenant(c, (tx) =>
      tx.query('delete from public.knowledge_articles where id = $1 returning id', [articleId]),
    );
    if (deleted.length === 0) throw notFound('Article');
    return c.body(null, 204);
  });

  return app;
}
