// client.knowledgeBase: the organisation's categories and articles, shared with agents by category.
import { knowledgeArticle, knowledgeCategory, page } from '@closer/contract';
import type { Http } from '../core/http.ts';
import { type ListParams, list, type RequestOptions } from './shared.ts';
import { categorySourcesPath, sourcesResource } from './sources.ts';

export interface CategoryCreate {
  name: string;
  description?: string;
}
export interface ArticleCreate {
  categoryId: string;
  title: string;
  content: string;
  language?: string;
  published?: boolean;
}
export interface ArticleListParams extends ListParams {
  categoryId?: string;
  published?: boolean;
  /** Full text in each article's language, or a close spelling of the title. */
  q?: string;
}

export function knowledgeBaseResource(http: Http) {
  const categoryPage = page(knowledgeCategory);
  const articlePage = page(knowledgeArticle);
  const category = (id: string) => `/knowledge-base/categories/${encodeURIComponent(id)}`;
  const article = (id: string) => `/knowledge-base/articles/${encodeURIComponent(id)}`;
  return {
    /**
     * The knowledge base's own sources, per category: files and web pages whose content becomes published
     * articles of the category, retrieved by every agent drawing on it. The same methods as
     * `client.agents.sources`, with the category's id first: `upload(categoryId, file)`, `crawl(categoryId, …)`,
     * `resync`, `runs`, `waitUntilReady`, `delete`…
     */
    sources: sourcesResource(http, categorySourcesPath),
    categories: {
      list: (params: ListParams = {}, options: RequestOptions = {}) =>
        list(http, '/knowledge-base/categories', categoryPage, params, options),
      create: (body: CategoryCreate, options: RequestOptions = {}) =>
        http.request('POST', '/knowledge-base/categories', knowledgeCategory, { body, ...options }),
      update: (id: string, body: Partial<CategoryCreate>, options: RequestOptions = {}) =>
        http.request('PATCH', category(id), knowledgeCategory, { body, ...options }),
      /** Deletes the category with its articles and sources. */
      delete: (id: string, options: RequestOptions = {}) =>
        http.request('DELETE', category(id), null, options),
    },
    articles: {
      list: (params: ArticleListParams = {}, options: RequestOptions = {}) =>
        list(http, '/knowledge-base/articles', articlePage, params, options),
      create: (body: ArticleCreate, options: RequestOptions = {}) =>
        http.request('POST', '/knowledge-base/articles', knowledgeArticle, { body, ...options }),
      retrieve: (id: string, options: RequestOptions = {}) =>
        http.request('GET', article(id), knowledgeArticle, options),
      update: (id: string, body: Partial<ArticleCreate>, options: RequestOptions = {}) =>
        http.request('PATCH', article(id), knowledgeArticle, { body, ...options }),
      delete: (id: string, options: RequestOptions = {}) =>
        http.request('DELETE', article(id), null, options),
    },
  };
}
