// client.agents: agents, and under each its knowledge, sales scripts and objection answers.
import {
  type AgentCreate,
  type AgentUpdate,
  agent,
  embedCheck,
  type KnowledgeItemCreate,
  knowledgeItem,
  type ObjectionAnswerCreate,
  objectionAnswer,
  page,
  type QualificationPlanInput,
  qualificationPlan,
  type RetrievalRequest,
  retrieval,
  type SalesScriptCreate,
  salesScript,
} from '@closer/contract';
import type * as z from 'zod/mini';
import type { Http } from '../core/http.ts';
import type { PageRequest } from '../core/pagination.ts';
import type { ListParams, RequestOptions } from './shared.ts';
import { list } from './shared.ts';
import { sourcesResource } from './sources.ts';

const at = (agentId: string, rest = '') => `/agents/${encodeURIComponent(agentId)}${rest}`;

export function agentsResource(http: Http) {
  const agentPage = page(agent);
  const knowledgePage = page(knowledgeItem);
  return {
    list: (params: ListParams = {}, options: RequestOptions = {}) =>
      list(http, '/agents', agentPage, params, options),
    create: (body: AgentCreate, options: RequestOptions = {}) =>
      http.request('POST', '/agents', agent, { body, ...options }),
    retrieve: (agentId: string, options: RequestOptions = {}) =>
      http.request('GET', at(agentId), agent, options),
    update: (agentId: string, body: AgentUpdate, options: RequestOptions = {}) =>
      http.request('PATCH', at(agentId), agent, { body, ...options }),
    /** Deletes the agent with its knowledge, scripts and objection answers; conversations and leads stay. */
    delete: (agentId: string, options: RequestOptions = {}) =>
      http.request('DELETE', at(agentId), null, options),
    /**
     * Whether the agent's widget loads on the page at `pageUrl`: its origin allowed and the agent active.
     * @throws ValidationError when `pageUrl` is not an http(s) address
     */
    checkEmbed: (agentId: string, params: { pageUrl: string }, options: RequestOptions = {}) =>
      http.request('GET', at(agentId, '/embed-check'), embedCheck, { query: { ...params }, ...options }),
    /** A new publishable key; the old one stops working at once. */
    rotateKey: (agentId: string, options: RequestOptions = {}) =>
      http.request('POST', at(agentId, '/rotate-key'), agent, options),
    /**
     * "Why this answer" (`POST /agents/:id/retrieve`): the passages, objection answers and script stage a reply to
     * `body.message` would be grounded on, with scores; `body.history` (oldest first) gives the previous message
     * and the stage. Stores nothing and calls no model. Publishable keys are refused (403); another
     * organisation's agent is a 404.
     */
    previewRetrieval: (agentId: string, body: RetrievalRequest, options: RequestOptions = {}) =>
      http.request('POST', at(agentId, '/retrieve'), retrieval, { body, ...options }),
    /** The agent's qualification plan (criteria, weights, thresholds, Kommo hand-off; see docs/sales-skills.md). */
    qualification: {
      /** The plan as stored, defaults filled in (switched off until one is saved). */
      retrieve: (agentId: string, options: RequestOptions = {}) =>
        http.request('GET', at(agentId, '/qualification'), qualificationPlan, options),
      /**
       * Replaces the whole plan.
       * @throws ValidationError for repeated keys, a choice with fewer than two options, warm not below hot
       */
      update: (agentId: string, body: QualificationPlanInput, options: RequestOptions = {}) =>
        http.request('PUT', at(agentId, '/qualification'), qualificationPlan, { body, ...options }),
    },

    knowledge: {
      list: (agentId: string, params: ListParams = {}, options: RequestOptions = {}) =>
        list(http, at(agentId, '/knowledge'), knowledgePage, params, options),
      create: (agentId: string, body: KnowledgeItemCreate, options: RequestOptions = {}) =>
        http.request('POST', at(agentId, '/knowledge'), knowledgeItem, { body, ...options }),
      /** Up to 500 items in one request, stored all or nothing; larger sets go in several calls. */
      createMany: async (agentId: string, items: KnowledgeItemCreate[], options: RequestOptions = {}) =>
        (
          await http.request('POST', at(agentId, '/knowledge'), knowledgePage, {
            body: { items },
            ...options,
          })
        ).data,
      delete: (agentId: string, knowledgeId: string, options: RequestOptions = {}) =>
        http.request('DELETE', at(agentId, `/knowledge/${encodeURIComponent(knowledgeId)}`), null, options),
    },
    /** Files and web pages the agent learns from (see docs/knowledge.md). */
    sources: sourcesResource(http),
    scripts: childResource<SalesScriptCreate, typeof salesScript>(http, 'scripts', salesScript),
    objections: childResource<ObjectionAnswerCreate, typeof objectionAnswer>(
      http,
      'objections',
      objectionAnswer,
    ),
  };
}

function childResource<Create, S extends typeof salesScript | typeof objectionAnswer>(
  http: Http,
  path: string,
  item: S,
) {
  const itemPage = page(item);
  // Each resource's own item type (a script, or an objection answer), not the union of both.
  type Item = z.output<S>;
  return {
    list: (agentId: string, params: ListParams = {}, options: RequestOptions = {}): PageRequest<Item> =>
      list(http, at(agentId, `/${path}`), itemPage, params, options) as PageRequest<Item>,
    create: (agentId: string, body: Create, options: RequestOptions = {}): Promise<Item> =>
      http.request('POST', at(agentId, `/${path}`), item, { body, ...options }) as Promise<Item>,
    update: (
      agentId: string,
      id: string,
      body: Partial<Create>,
      options: RequestOptions = {},
    ): Promise<Item> =>
      http.request('PATCH', at(agentId, `/${path}/${encodeURIComponent(id)}`), item, {
        body,
        ...options,
      }) as Promise<Item>,
    delete: (agentId: string, id: string, options: RequestOptions = {}): Promise<void> =>
      http.request('DELETE', at(agentId, `/${path}/${encodeURIComponent(id)}`), null, options),
  };
}
