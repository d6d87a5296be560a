// Agents between Postgres rows and the wire: reading, creating, updating, and their knowledge categories.
import {
  type Agent,
  type AgentUpdate,
  type agentCreate,
  agentHandoff,
  agentRateLimits,
  agentTheme,
  leadCaptureSettings,
} from '@closer/contract';
import type * as z from 'zod/mini';
import { generatePublishableKey } from '../auth/publishableKeys.ts';
import type { Statement } from '../db/pipeline.ts';
import type { Queryable, Row } from '../db/types.ts';
import { ApiError, notFound } from '../http/errors.ts';
import { iso } from './time.ts';

/** Select list of an agent with its knowledge category ids; the table is aliased `t`. */
export const AGENT_SELECT = `select t.*, coalesce((
    select array_agg(c.category_id order by c.category_id)
    from public.agent_knowledge_categories c where c.agent_id = t.id
  ), '{}') as knowledge_category_ids
  from public.agents t`;

export function agentFromRow(row: Row): Agent {
  return {
    id: row.id as string,
    orgId: row.org_id as string,
    name: row.name as string,
    slug: row.slug as string,
    description: row.description as string,
    persona: row.persona as string,
    goal: row.goal as string,
    language: row.language as string,
    model: (row.model as string | null) ?? null,
    contextWindow: (row.context_window as number | null) ?? null,
    temperature: Number(row.temperature),
    maxTokens: row.max_tokens as number,
    greeting: row.greeting as string,
    starterPrompts: row.starter_prompts as string[],
    leadCapture: leadCaptureSettings.parse(row.lead_capture ?? {}),
    allowedOrigins: row.allowed_origins as string[],
    theme: agentTheme.parse(row.theme ?? {}),
    status: row.status as Agent['status'],
    knowledgeCategoryIds: (row.knowledge_category_ids as string[] | null) ?? [],
    rateLimits: agentRateLimits.parse(row.rate_limits ?? {}),
    handoff: agentHandoff.parse(row.handoff ?? {}),
    proactiveOpenSeconds: (row.proactive_open_seconds as number | null) ?? null,
    stageSuggestions: (row.stage_suggestions as Agent['stageSuggestions'] | undefined) ?? {},
    publishableKey: row.publishable_key as string,
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
  };
}

export async function findAgent(tx: Queryable, id: string): Promise<Agent> {
  const [row] = await tx.query(`${AGENT_SELECT} where t.id = $1`, [id]);
  if (!row) throw notFound('Agent');
  return agentFromRow(row);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** An agent by id or by slug (slugs are unique within an organisation, and RLS scopes the lookup to one). */
export async function findAgentByRef(tx: Queryable, ref: string): Promise<Agent> {
  const { text, params } = agentByRefStatement(ref);
  return agentFound(await tx.query(text, params), `Agent "${ref}"`);
}

/** findAgentByRef's statement, to be sent with its transaction whole (withTenantAtOnce). */
export function agentByRefStatement(ref: string): Statement {
  return { text: `${AGENT_SELECT} where t.${agentRefColumn(ref)} = $1`, params: [ref] };
}

/** The agents column a reference names: `id` for a UUID, else `slug`. */
export const agentRefColumn = (ref: string): 'id' | 'slug' => (UUID.test(ref) ? 'id' : 'slug');

/** The agent the statement found; 404 naming `what` when none. */
export function agentFound(rows: Row[], what: string): Agent {
  const [row] = rows;
  if (!row) throw notFound(what);
  return agentFromRow(row);
}

const cyrillic: Record<string, string> = {
  а: 'a',
  б: 'b',
  в: 'v',
  г: 'g',
  д: 'd',
  е: 'e',
  ё: 'e',
  ж: 'zh',
  з: 'z',
  и: 'i',
  й: 'i',
  к: 'k',
  л: 'l',
  м: 'm',
  н: 'n',
  о: 'o',
  п: 'p',
  р: 'r',
  с: 's',
  т: 't',
  у: 'u',
  ф: 'f',
  х: 'h',
  ц: 'ts',
  ч: 'ch',
  ш: 'sh',
  щ: 'sch',
  ъ: '',
  ы: 'y',
  ь: '',
  э: 'e',
  ю: 'yu',
  я: 'ya',
};

/** "Анна — Уютный дом" → "anna-uyutnyi-dom": a readable slug from a name in Latin or Cyrillic script. */
export function slugify(name: string): string {
  const latin = [...name.toLowerCase().normalize('NFKD')].map((ch) => cyrillic[ch] ?? ch).join('');
  const slug = latin
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|(?<!-)-+$/g, '')
    .slice(0, 56)
    .replace(/(?<!-)-+$/, '');
  return slug || 'agent';
}

async function freeSlug(tx: Queryable, base: string): Promise<string> {
  const taken = new Set(
    (
      await tx.query<{ slug: string }>('select slug from public.agents where slug = $1 or slug like $2', [
        base,
        `${base}-%`,
      ])
    ).map((r) => r.slug),
  );
  if (!taken.has(base)) return base;
  for (let n = 2; ; n++) if (!taken.has(`${base}-${n}`)) return `${base}-${n}`;
}

async function setCategories(tx: Queryable, orgId: string, agentId: string, categoryIds: readonly string[]) {
  await tx.query('delete from public.agent_knowledge_categories where agent_id = $1', [agentId]);
  if (categoryIds.length === 0) return;
  const [found] = await tx.query<{ n: number }>(
    'select count(*)::int as n from public.knowledge_categories where id = any($1::uuid[])',
    [categoryIds],
  );
  if (found?.n !== new Set(categoryIds).size) {
    throw new ApiError('validation_failed', 'The request body is not valid', {
      details: [
        { path: ['knowledgeCategoryIds'], message: 'names a knowledge category that does not exist' },
      ],
    });
  }
  await tx.query(
    `insert into public.agent_knowledge_categories (org_id, agent_id, category_id)
     select $1, $2, unnest($3::uuid[]) on conflict do nothing`,
    [orgId, agentId, categoryIds],
  );
}

const slugTaken = () =>
  new ApiError('conflict', 'Another agent of this organization already uses this slug', {
    details: [{ path: ['slug'], message: 'already used by another agent' }],
  });

export async function createAgent(
  tx: Queryable,
  orgId: string,
  input: z.output<typeof agentCreate>,
): Promise<Agent> {
  const slug = input.slug ?? (await freeSlug(tx, slugify(input.name)));
  if (
    input.slug &&
    (await tx.query('select 1 from public.agents where slug = $1', [input.slug])).length > 0
  ) {
    throw slugTaken();
  }
  const [row] = await tx.query<{ id: string }>(
    `insert into public.agents (org_id, name, slug, description, persona, goal, language, model, temperature,
       max_tokens, greeting, starter_prompts, lead_capture, allowed_origins, theme, status, publishable_key,
       rate_limits, proactive_open_seconds, context_window, handoff, stage_suggestions)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13::jsonb, $14, $15::jsonb, $16, $17, $18::jsonb, $19,
       $20, $21::jsonb, $22::jsonb)
     returning id`,
    [
      orgId,
      input.name,
      slug,
      input.description,
      input.persona,
      input.goal,
      input.language,
      input.model,
      input.temperature,
      input.maxTokens,
      input.greeting,
      input.starterPrompts,
      JSON.stringify(input.leadCapture),
      input.allowedOrigins,
      JSON.stringify(input.theme),
      input.status,
      generatePublishableKey(),
      JSON.stringify(input.rateLimits),
      input.proactiveOpenSeconds,
      input.contextWindow,
      JSON.stringify(input.handoff),
      JSON.stringify(input.stageSuggestions),
    ],
  );
  await setCategories(tx, orgId, row!.id, input.knowledgeCategoryIds);
  return findAgent(tx, row!.id);
}

const columns: Record<Exclude<keyof AgentUpdate, 'knowledgeCategoryIds'>, [string, string?]> = {
  name: ['name'],
  slug: ['slug'],
  description: ['description'],
  persona: ['persona'],
  goal: ['goal'],
  language: ['language'],
  model: ['model'],
  contextWindow: ['context_window'],
  temperature: ['temperature'],
  maxTokens: ['max_tokens'],
  greeting: ['greeting'],
  starterPrompts: ['starter_prompts'],
  leadCapture: ['lead_capture', 'jsonb'],
  allowedOrigins: ['allowed_origins'],
  theme: ['theme', 'jsonb'],
  status: ['status'],
  rateLimits: ['rate_limits', 'jsonb'],
  proactiveOpenSeconds: ['proactive_open_seconds'],
  handoff: ['handoff', 'jsonb'],
  stageSuggestions: ['stage_suggestions', 'jsonb'],
};

export async function updateAgent(tx: Queryable, id: string, patch: AgentUpdate): Promise<Agent> {
  const current = await findAgent(tx, id);
  if (patch.slug && patch.slug !== current.slug) {
    if (
      (await tx.query('select 1 from public.agents where slug = $1 and id <> $2', [patch.slug, id])).length >
      0
    ) {
      throw slugTaken();
    }
  }
  const sets: string[] = [];
  const params: unknown[] = [id];
  for (const [key, [column, cast]] of Object.entries(columns)) {
    const value = patch[key as keyof typeof columns];
    if (value === undefined) continue;
    params.push(cast === 'jsonb' ? JSON.stringify(value) : value);
    sets.push(`${column} = $${params.length}${cast ? `::${cast}` : ''}`);
  }
  if (sets.length > 0) await tx.query(`update public.agents set ${sets.join(', ')} where id = $1`, params);
  if (patch.language && patch.language !== current.language) {
    // Retrieval follows the agent's language: re-index its chunks with the new configuration.
    await tx.query('update public.knowledge_chunks set language = $2 where agent_id = $1', [
      id,
      patch.language,
    ]);
  }
  if (patch.knowledgeCategoryIds) await setCategories(tx, current.orgId, id, patch.knowledgeCategoryIds);
  return findAgent(tx, id);
}

export async function rotatePublishableKey(tx: Queryable, id: string): Promise<Agent> {
  const rows = await tx.query('update public.agents set publishable_key = $2 where id = $1 returning id', [
    id,
    generatePublishableKey(),
  ]);
  if (rows.length === 0) throw notFound('Agent');
  return findAgent(tx, id);
}
